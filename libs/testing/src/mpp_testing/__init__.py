"""Test support for mpp-platform: the real broker and store, and small helpers to talk to them."""

from mpp_testing.helpers import (
    EventReader,
    eventually,
    running_app,
    settings_env,
    staff_token,
)

__all__ = ["EventReader", "eventually", "running_app", "settings_env", "staff_token"]
