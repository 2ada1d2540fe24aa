"""Notify's rules as plain data and functions: who hears about what, when, and how often."""
