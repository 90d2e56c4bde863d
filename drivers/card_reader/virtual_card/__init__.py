"""The project's own virtual EMV card: profiles as JSON data, served to pcscd through vpcd."""
