"""The catalog service: what the MPP offers, who offers it, where and when."""
