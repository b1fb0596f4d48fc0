"""Mentoring (support offers, slots, bookings) and the Cnam accelerator: to come (issues 4 and 5)."""
