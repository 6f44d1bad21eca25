"""Study days: a day starts at a local hour (04:00 by default) in the user's time zone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FALLBACK_ZONE = "UTC"


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def machine_zone_name() -> str:
    """The machine's IANA zone (TZ, then /etc/localtime), so DST is followed, not an offset."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env and is_valid_zone(env):
        return env
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if is_valid_zone(name):
                return name
    return FALLBACK_ZONE


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@dataclass(frozen=True)
class StudyCalendar:
    """Maps instants to study days for one user; every instant in and out is UTC-aware."""

    zone: ZoneInfo
    start_hour: int = 4

    @classmethod
    def of(cls, zone_name: str, start_hour: int = 4) -> StudyCalendar:
        return cls(ZoneInfo(zone_name), start_hour)

    def day_of(self, moment: datetime) -> date:
        """The study day an instant belongs to (before 04:00 local counts as the day before)."""
        local = moment.astimezone(self.zone)
        return (local - timedelta(hours=self.start_hour)).date()

    def start_of(self, day: date) -> datetime:
        """The UTC instant a study day starts (04:00 local, whatever the DST offset)."""
        local = datetime.combine(day, time(self.start_hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    def day_bounds(self, moment: datetime) -> tuple[datetime, datetime]:
        """[start, end) of the study day containing ``moment``, in UTC."""
        day = self.day_of(moment)
        return self.start_of(day), self.start_of(day + timedelta(days=1))

    def starts(self, first: date, days: int) -> list[datetime]:
        """Start instants of ``days + 1`` consecutive study days from ``first`` (edges of bins)."""
        return [self.start_of(first + timedelta(days=i)) for i in range(days + 1)]


def local_time(moment: datetime | None, zone: str, now: datetime) -> str:
    """A due time as the user reads it: "14:05", "tomorrow 09:00" or "Mon 3 Mar 2026 09:00"."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    today = now.astimezone(ZoneInfo(zone)).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if (local.date() - today).days == 1:
        return local.strftime("tomorrow %H:%M")
    return local.strftime("%a %-d %b %Y %H:%M")
