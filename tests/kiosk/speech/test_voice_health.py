"""Silent voice guidance is a fault on the technician's dashboard, never 'all devices working'."""

from __future__ import annotations

from drivers.base import DeviceState
from kiosk.speech.health import VoiceGuidanceHealth
from kiosk.technician.service_state import derive_service_status


def test_no_playable_audio_is_a_faulted_device_and_audible_audio_is_online() -> None:
    silent = VoiceGuidanceHealth("no sound card for headphone output").health()
    assert (silent.device_id, silent.state) == ("speech", DeviceState.HARDWARE_ERROR)
    assert "no sound card" in silent.detail
    assert VoiceGuidanceHealth("").health().state is DeviceState.ONLINE


def test_it_does_not_take_cash_or_card_out_of_service() -> None:
    status = derive_service_status([VoiceGuidanceHealth("no engine").health()])
    assert "voice" not in " ".join(status.reasons)  # the tenders do not depend on it
