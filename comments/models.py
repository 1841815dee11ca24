"""Paragraph comments live here (the reader comments issue); nothing is stored yet."""
