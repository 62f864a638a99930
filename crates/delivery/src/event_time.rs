//! The event's time zone: every time people read — the proctor's page, the login sheets, the biên
//! bản — is shown in it, 24-hour, Vietnamese style (`14:05`, `14:05:09 05/12/2026`); machine
//! exports (JSON, CSV, result files) stay RFC 3339 UTC.
//!
//! The zone is configured by IANA name (`event_time_zone`, default `Asia/Ho_Chi_Minh`). The
//! server carries no time-zone database: it knows the zones without daylight saving where THPT
//! exams are sat and their neighbours, and fixed offsets such as `+07:00`; any other name is
//! refused at start, never silently shown in UTC.

use chrono::{DateTime, FixedOffset, Utc};

/// IANA zones without daylight saving, with their offset in hours east of UTC.
const ZONES: &[(&str, i32)] = &[
    ("Asia/Ho_Chi_Minh", 7),
    ("Asia/Saigon", 7),
    ("Asia/Bangkok", 7),
    ("Asia/Phnom_Penh", 7),
    ("Asia/Vientiane", 7),
    ("Asia/Jakarta", 7),
    ("Asia/Singapore", 8),
    ("Asia/Kuala_Lumpur", 8),
    ("Asia/Manila", 8),
    ("Asia/Shanghai", 8),
    ("Asia/Tokyo", 9),
    ("Asia/Seoul", 9),
    ("UTC", 0),
    ("Etc/UTC", 0),
];

/// The configured zone, resolved once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventZone {
    /// As configured (what the pages pass to `Intl.DateTimeFormat`).
    pub name: String,
    offset: FixedOffset,
}

impl EventZone {
    /// Resolves an IANA name of [`ZONES`] or a fixed offset `±HH:MM`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let offset = ZONES
            .iter()
            .find(|(z, _)| *z == name)
            .and_then(|(_, h)| FixedOffset::east_opt(h * 3600))
            .or_else(|| parse_offset(name))
            .ok_or_else(|| {
                format!(
                    "event_time_zone \"{name}\" is not known: use one of {} or a fixed offset such as +07:00",
                    ZONES.iter().map(|(z, _)| *z).collect::<Vec<_>>().join(", ")
                )
            })?;
        Ok(Self { name: name.to_string(), offset })
    }

    /// `14:05` (24-hour).
    pub fn hm(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.offset).format("%H:%M").to_string()
    }

    /// `14:05:09 05/12/2026` (24-hour, day first, as Vietnamese official papers write it).
    pub fn full(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.offset).format("%H:%M:%S %d/%m/%Y").to_string()
    }

    /// `05/12/2026`.
    pub fn date(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.offset).format("%d/%m/%Y").to_string()
    }

    /// The day in words for the biên bản: `ngày 05 tháng 12 năm 2026`.
    pub fn date_words(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.offset).format("ngày %d tháng %m năm %Y").to_string()
    }

    /// `UTC+07:00`, said once on every printed sheet.
    pub fn label(&self) -> String {
        format!("{} (UTC{})", self.name, self.offset)
    }
}

impl Default for EventZone {
    fn default() -> Self {
        Self::parse(DEFAULT_ZONE).expect("the default zone is known")
    }
}

pub const DEFAULT_ZONE: &str = "Asia/Ho_Chi_Minh";

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h.abs() > 14 || !(0..60).contains(&m) || h < 0 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_by_default_in_24_hours() {
        let z = EventZone::default();
        // 23:39:58 UTC on 4 December is 06:39:58 on 5 December in Hà Nội: never "11:39:58 PM".
        let t: DateTime<Utc> = "2026-12-04T23:39:58Z".parse().unwrap();
        assert_eq!(z.full(t), "06:39:58 05/12/2026");
        assert_eq!(z.hm(t), "06:39");
        assert_eq!(z.date_words(t), "ngày 05 tháng 12 năm 2026");
        assert_eq!(z.label(), "Asia/Ho_Chi_Minh (UTC+07:00)");
    }

    #[test]
    fn other_zones_and_offsets_and_refusals() {
        let t: DateTime<Utc> = "2026-12-04T23:39:58Z".parse().unwrap();
        assert_eq!(EventZone::parse("UTC").unwrap().hm(t), "23:39");
        assert_eq!(EventZone::parse("+05:30").unwrap().hm(t), "05:09");
        assert_eq!(EventZone::parse("-03:00").unwrap().hm(t), "20:39");
        for bad in ["Europe/Paris", "Asia/HoChiMinh", "+7", "+25:00", ""] {
            assert!(EventZone::parse(bad).is_err(), "{bad}");
        }
    }
}
