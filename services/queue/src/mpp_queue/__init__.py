"""The queue service (antrian): tickets, priority, counters, the display board and KPIs."""
