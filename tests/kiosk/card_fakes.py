"""A card reader port that records what the card journeys ask of it (balance, bill payment)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeReader:
    reads: list[tuple[str, str | None]] = field(default_factory=list)
    ejects: int = 0
    captures: bool = True
    online: bool = True
    swipe: bool = False  # a hybrid reader whose stripe head is Online

    def request_read(self, request_id: str, aid: str | None = None) -> None:
        self.reads.append((request_id, aid))

    def eject(self) -> None:
        self.ejects += 1

    def retain(self) -> bool:
        return self.captures

    def available(self) -> bool:
        return self.online

    def accepts_swipe(self) -> bool:
        return self.swipe
