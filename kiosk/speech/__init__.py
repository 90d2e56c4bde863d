"""Speech: what each screen says (script), how numbers and Mandarin are read, and the engines."""
