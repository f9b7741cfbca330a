"""Shared machinery of the synthetic scenario: scales, seeded random streams, time, people.

Every generator module draws from its own named stream (`Scenario.rng("isolation")`), so a
change inside one module never shifts the numbers of another, and one seed gives one dataset.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The summer-2022 clusters named in the notices; times are local (Asia/Shanghai).
SCENARIO_START = pd.Timestamp("2022-07-10 00:00")
DATA_END = pd.Timestamp("2022-08-05 18:00")  # newest moment the scenario has data for

MINUTE = np.timedelta64(1, "m")
HOUR_NS = 3_600_000_000_000


@dataclass(frozen=True)
class Scale:
    name: str
    target_cases: int            # the outbreak stops growing near this many infections
    close_contacts_mean: float   # close contacts identified per case
    secondary_per_close: float   # secondary contacts per close contact
    screening_tasks: int         # pushed list entries to check
    domestic_arrivals: int       # arrivals from domestic key areas
    citywide_round: bool         # a full-population testing round of every resident
    person_samples: bool         # one row per swabbed person (testing_samples)


SCALES = {
    "demo": Scale("demo", target_cases=750, close_contacts_mean=16.0, secondary_per_close=1.3,
                  screening_tasks=20_000, domestic_arrivals=25_000,
                  citywide_round=False, person_samples=False),
    "city": Scale("city", target_cases=9_000, close_contacts_mean=24.0, secondary_per_close=2.0,
                  screening_tasks=300_000, domestic_arrivals=200_000,
                  citywide_round=True, person_samples=True),
}


@dataclass
class Scenario:
    seed: int
    scale: Scale
    start: pd.Timestamp = SCENARIO_START
    data_end: pd.Timestamp = DATA_END
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rng(self, stream: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    @property
    def end_ns(self) -> int:
        return self.data_end.value

    def hours(self, ts: pd.Timestamp) -> float:
        """Hours since scenario start."""
        return (ts - self.start) / pd.Timedelta(hours=1)


def to_timestamps(start: pd.Timestamp, hours: np.ndarray) -> pd.Series:
    """Hours after start -> timestamps rounded to the minute (people report minutes)."""
    minutes = np.round(np.asarray(hours, dtype=float) * 60.0)  # NaN stays NaT
    return pd.Series(start + pd.to_timedelta(minutes, unit="m"))


def not_after(ts: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Events later than the end of the data have not happened yet: null them."""
    ts = pd.Series(ts)
    return ts.where(ts <= end)


def lognormal_hours(rng: np.random.Generator, median_h: float, sigma: float, n: int) -> np.ndarray:
    return median_h * np.exp(sigma * rng.standard_normal(n))


# --- people -----------------------------------------------------------------------------

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉文斌辉鹏宇浩凯欣怡婷雪琳晨阳帆博志鑫俊杨彬春梅海波丹萍云飞健松林峰宏亮庆渝川江蓉")
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"
_OTHER_PROVINCE_REGIONS = ["510104", "510107", "420102", "440106", "310115", "110105",
                           "520102", "430102", "610113", "500000"]


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of an ID-card number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def make_persons(rng: np.random.Generator, person_ids: np.ndarray, region_codes: np.ndarray,
                 birth_years: np.ndarray | None = None) -> pd.DataFrame:
    """Synthetic people with valid ID-card numbers (check digit per GB 11643)."""
    n = len(person_ids)
    sn = rng.integers(0, len(_SURNAMES), n)
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two_char = rng.random(n) < 0.3
    names = [(_SURNAMES[a] + _GIVEN[b]) if t else (_SURNAMES[a] + _GIVEN[b] + _GIVEN[c])
             for a, b, c, t in zip(sn, g1, g2, two_char)]
    if birth_years is None:
        birth_years = rng.integers(1935, 2020, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    seq = rng.integers(0, 1000, n)
    sex = np.where(seq % 2 == 1, "M", "F")
    first17 = [f"{r}{y:04d}{m:02d}{d:02d}{s:03d}" for r, y, m, d, s
               in zip(region_codes, birth_years, month, day, seq)]
    ids = [f + id_check_digit(f) for f in first17]
    prefixes = np.array(["139", "138", "137", "136", "135", "150", "151", "152", "157", "158",
                         "159", "177", "180", "181", "186", "187", "188", "189", "199"])
    phones = [p + f"{x:08d}" for p, x in zip(prefixes[rng.integers(0, len(prefixes), n)],
                                              rng.integers(0, 100_000_000, n))]
    return pd.DataFrame({
        "person_id": person_ids.astype("int64"),
        "full_name": names,
        "id_card_number": ids,
        "phone": phones,
        "sex": sex,
        "birth_year": birth_years.astype("int32"),
    })


def other_province_regions(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(_OTHER_PROVINCE_REGIONS)[rng.integers(0, len(_OTHER_PROVINCE_REGIONS), n)]


class IdSequence:
    """Monotonic integer ids shared across modules (persons come from several)."""

    def __init__(self, start: int = 1):
        self.next = start

    def take(self, n: int) -> np.ndarray:
        ids = np.arange(self.next, self.next + n, dtype="int64")
        self.next += n
        return ids
