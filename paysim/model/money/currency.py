"""ISO 4217 currencies and their minor units.

Money in the ledger is an integer count of minor units. The exponent says how many minor units
make one major unit (JPY 0, USD 2, KWD 3). Source: ISO 4217 list one (active codes), SIX
Financial Information, as amended to 2025; exponents are the standard's, so IDR and VND follow
ISO (2 and 0) even where processors round IDR to whole rupiah.
"""

from __future__ import annotations

import numpy as np

_ZERO_DECIMAL = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE_DECIMAL = "BHD IQD JOD KWD LYD OMR TND"
_FOUR_DECIMAL = "CLF UYW"
_TWO_DECIMAL = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)

MINOR_EXPONENT: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL.split(), 2),
    **dict.fromkeys(_ZERO_DECIMAL.split(), 0),
    **dict.fromkeys(_THREE_DECIMAL.split(), 3),
    **dict.fromkeys(_FOUR_DECIMAL.split(), 4),
}


def is_currency(code: str) -> bool:
    """Whether ``code`` is an active ISO 4217 alphabetic code."""
    return code in MINOR_EXPONENT


def minor_exponent(code: str) -> int:
    """Decimal exponent of the minor unit of ``code`` (``KeyError`` if unknown)."""
    return MINOR_EXPONENT[code]


def to_minor(amount_major: np.ndarray | float, code: str) -> np.ndarray:
    """Major units to integer minor units, rounded half to even."""
    scale = 10.0 ** MINOR_EXPONENT[code]
    return np.rint(np.asarray(amount_major, dtype=np.float64) * scale).astype(np.int64)


def to_major(amount_minor: np.ndarray | int, code: str) -> np.ndarray:
    """Integer minor units to float major units (for reporting only, never for the ledger)."""
    return np.asarray(amount_minor, dtype=np.float64) / 10.0 ** MINOR_EXPONENT[code]
