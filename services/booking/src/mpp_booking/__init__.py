"""The booking service (reservasi): online slots, check-in into the queue, reminders."""
