"""The bank card: read, PIN, online authorisation, returned or retained, and its recovery."""
