"""XFS4IoT (CEN/TC 434): JSON messages over WebSocket to vendor-neutral devices, and an emulator."""
