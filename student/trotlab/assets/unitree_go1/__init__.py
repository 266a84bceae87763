"""The Unitree Go1: our MJCF and its constants."""
