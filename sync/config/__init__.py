"""The configuration: one TOML file, validated before anything runs; every mistake names ``file:key``."""

from leadstage.sync.config.errors import ConfigError
from leadstage.sync.config.settings import (
    PortalSettings,
    Settings,
    find_config,
    load_settings,
    settings_from_data,
)

__all__ = ["ConfigError", "PortalSettings", "Settings", "find_config", "load_settings", "settings_from_data"]
