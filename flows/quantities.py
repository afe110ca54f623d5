"""Reading one number in its sentence: value, unit, hedge, and what it counts.

read_numbers() finds numbers that carry a unit (money, %, counters, tokens, parameters, GPU hours,
units of measure, or a bare Chinese magnitude: "日活突破2000万") and skips those that measure nothing
(dates, times, durations, model names such as GPT-4/H800/R1, ordinals, fractions, id-like digit runs).
what_it_counts() names the quantity from the nearest keyword in the sentence.

Everything here runs on simplified text (flows.stories.to_simplified is length-preserving, so offsets
stay valid in the original): one table serves both scripts. The keyword tables are general Chinese
news wording for money, counts and shares, not phrases taken from particular articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import cn2an

# Thousands may be grouped with "," or, in company filings, a full-width "，" ("93，708，580元").
_ARABIC = r"(?<!\d)\d{1,3}(?:[,，]\d{3})+(?![\d,，])(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
NUMBER = re.compile(rf"百分之(?P<pct>{_ARABIC}|{_CN})|(?P<ar>{_ARABIC})|(?P<cn>{_CN})")
_MAGNITUDES = {
    "万亿": "1e12", "千亿": "1e11", "百亿": "1e10", "十亿": "1e9", "亿": "1e8", "千万": "1e7", "百万": "1e6",
    "十万": "1e5", "万": "1e4", "千": "1e3", "百": "1e2", "million": "1e6", "billion": "1e9", "trillion": "1e12",
    "mn": "1e6", "bn": "1e9", "M": "1e6", "B": "1e9", "K": "1e3",
}
# A Latin magnitude letter must not run on into a word ("2D", "5G").
_MAGNITUDE = re.compile(r" ?(万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千|百|million|billion|trillion|mn|bn|[MBK](?![A-Za-z]))")
CURRENCIES = {
    "美元": "USD", "美金": "USD", "us dollars": "USD", "us dollar": "USD", "dollars": "USD", "dollar": "USD",
    "usd": "USD", "us$": "USD", "$": "USD", "＄": "USD", "元人民币": "CNY", "人民币": "CNY", "元": "CNY",
    "块钱": "CNY", "rmb": "CNY", "cny": "CNY", "¥": "CNY", "￥": "CNY", "港元": "HKD", "港币": "HKD", "hkd": "HKD",
    "hk$": "HKD", "欧元": "EUR", "eur": "EUR", "€": "EUR", "日元": "JPY", "日圆": "JPY", "jpy": "JPY",
    "英镑": "GBP", "gbp": "GBP", "£": "GBP", "卢比": "INR", "inr": "INR", "韩元": "KRW", "新台币": "TWD",
    "台币": "TWD", "卢布": "RUB", "澳元": "AUD", "加元": "CAD",
}
_CURRENCY_PREFIX = re.compile(r"(US\$|HK\$|\$|＄|¥|￥|€|£|人民币|美元) ?$")
_UNIT = re.compile(
    r"""[ ]?(?:
      (?P<gpu_hours>(?:[A-Z]+\d+[A-Z]*[ ]?)?GPU[ ]?(?:小时|hours?))
    | (?P<money>美元|美金|元人民币|人民币|港元|港币|欧元|日元|日圆|英镑|卢比|韩元|新台币|台币|卢布|澳元|加元|块钱|元
        |US[ ]dollars?|dollars?|USD|RMB|CNY|INR|EUR|HKD|JPY|GBP)
    | (?P<percent>%|％)
    | (?P<points>个百分点|百分点|percentage[ ]points?)
    | (?P<tokens>个?[ ]?(?:tokens?|Tokens?|TOKENS?|词元))
    | (?P<parameters>个?参数|parameters?)
    | (?P<users>名?用户)
    | (?P<gpu>(?:[A-Z]+\d+[A-Z]*[ ]?)?(?:GPUs?|显卡))
    | (?P<measure>平方公里|平方米|立方米|公里|千米|公斤|千克|吨|斤|亩|公顷|千瓦时|千瓦|度电|升|米|克)
    | (?P<count>人次|个|块|颗|枚|张|台|家|项|款|种|名|位|人|次|条|篇|部|所|座|辆|架|艘|套|份|例|起|支|笔|户)
    )""",
    re.VERBOSE,
)
_UNIT_NAMES = {"percent": "percent", "points": "points", "tokens": "tokens", "parameters": "parameters",
               "gpu_hours": "GPU_hours", "users": "users", "gpu": "GPU", "count": "count"}
# Measures are read so that their numbers are not taken for bare counts; what they measure is not classified.
_MEASURES = {
    "平方公里": "km2", "平方米": "m2", "立方米": "m3", "公里": "km", "千米": "km", "公斤": "kg", "千克": "kg",
    "吨": "t", "斤": "jin", "亩": "mu", "公顷": "ha", "千瓦时": "kWh", "度电": "kWh", "千瓦": "kW", "升": "l",
    "米": "m", "克": "g",
}
_DURATION_AFTER_COUNTER = re.compile(r"月|小时|星期|礼拜|季度|工作日|钟头|世纪")  # "10个月"
# Dates, times, ages, editions: a number followed by these is never a figure.
_NOT_A_FIGURE_AFTER = re.compile(r" ?(?:年|月|日|号|天|周|小时|分钟|秒|点|时|岁|世纪|季度|届|期|版|代|楼|层|号线)")
_LABEL_BEFORE = re.compile(r"[A-Za-z]$|[A-Za-z][-_]$|\d[-/.:]$|[/#]$|第$")  # GPT-4, H800, 2025-01, 1/10, 第3
_LABEL_AFTER = re.compile(r"[-/:]\d|\.[A-Za-z]")  # 16:52, 010-1234, 01.AI
_MAX_PLAIN_DIGITS = 8  # longer digit runs without separators are ids, codes or phone numbers
_RATE_AFTER = re.compile(r"\s?(?:/|每)\s?(秒|s|小时|h|天|日|月|年)")
_RATE_BEFORE = re.compile(r"每(秒|小时|天|日|月|年)\s?$")
_PERIODS = {"秒": "s", "s": "s", "小时": "hour", "h": "hour", "天": "day", "日": "day", "月": "month", "年": "year"}
_RANGE_JOINER = re.compile(r"\s?(?:和|与|或|至|到|～|~|－|-|—|、)\s?")  # "19.6万和16.9万颗": shared unit

_BEFORE = re.compile(
    r"(约合|折合|大约|大概|大致|约|不超过|不超|不高于|不多于|至多|不低于|不少于|近|接近|将近|逾|超过|超出|超|突破"
    r"|多达|至少|不到|不足|少于|最多"
    r"|about|around|approximately|nearly|over|more than|less than)(?:为|有|达|是|合)?\s?$",
    re.IGNORECASE,
)
_POST = re.compile(r"(多|余|来)")  # "100多个", "200余家"
_TRAILING = re.compile(r"[^，。,；;、\d]{0,8}?(左右|上下|以上|以下|以内|出头)")  # "10万颗GPU左右"
_QUALIFIERS = {
    "approx": {"约合", "折合", "大约", "大概", "大致", "约", "来", "左右", "上下", "about", "around", "approximately"},
    "over": {"逾", "超过", "超出", "超", "突破", "至少", "不低于", "不少于", "多", "余", "以上", "出头", "over",
             "more than"},
    "under": {"近", "接近", "将近", "不到", "不足", "少于", "最多", "不超过", "不超", "不高于", "不多于", "至多",
              "以下", "以内", "nearly", "less than"},
}
_CONVERSION = {"约合", "折合"}  # "1037亿卢比（约合人民币86亿元）": the same figure in another currency


def _rules(*pairs: tuple[str, str]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), name) for pattern, name in pairs]


# Keyword → what a figure counts, by kind of unit. Nearest keyword wins, then list order.
_MONEY = _rules(
    (r"训练的?(?:成本|费用|花费|开支|支出|耗资|投入)", "training_cost"),
    (r"(?:训练|开发|研发|打造|构建)[了出成]*[^，。,；;]{0,12}模型", "training_cost"),
    (r"预算", "budget"), (r"融资|募资|筹资|资金", "funding"), (r"投资|投入|注资", "investment"),
    (r"营收|营业额|销售额|收入", "revenue"), (r"净利润|利润|盈利|净利", "profit"), (r"亏损", "loss"),
    (r"市值", "market_value"), (r"估值", "valuation"), (r"价格|定价|售价|报价|单价|收费", "price"),
    (r"补贴|补助", "subsidy"), (r"薪酬|工资|年薪|月薪|薪资", "salary"), (r"罚款|罚金", "fine"),
    (r"票房", "box_office"), (r"贸易额|进出口额?|出口额|进口额", "trade"), (r"成交额|交易额", "transactions"),
    (r"资产", "assets"), (r"成本|费用|花费|开支|支出|耗资|代价", "cost"),
)
_COUNT = _rules(
    (r"下载|安装", "downloads"), (r"GPU|显卡|芯片|加速卡|算力卡", "gpu_count"), (r"用户|日活|月活", "users"),
    (r"访问量|浏览量|阅读量|播放量|点击量|访问", "views"),
    (r"公司|企业|厂商|开发商|机构|伙伴|商家|初创", "organisations"),
    (r"员工|雇员|职员|人才|工程师|研究员|招募|招聘|裁员", "staff"), (r"数据中心", "data_centers"),
    (r"市场|国家|地区", "markets"), (r"模型", "model_count"), (r"字符", "characters"),
)
_TRAINING = _rules((r"训练", "training"))
_SHARE_KINDS = _rules(
    (r"占比|份额|比例|比重|贡献|渗透率|占", "share"), (r"补贴", "subsidy"),
    (r"增长|上涨|提高|增加|提升|涨幅|增幅|上升", "increase"), (r"下降|降低|减少|下跌|下滑|跌幅|降幅", "decrease"),
)
_SHARE_TOPICS = _rules(
    (r"下载", "download"), (r"营收|收入", "revenue"), (r"用户", "user"), (r"成本|费用|价格", "cost"),
    (r"市场", "market"),
)
_CLAUSE_MARK = re.compile(r"[，,：:（()）]")
_CLAUSE_PENALTY = 100
# Counters that say what is counted, whatever keyword is near: people and organisations.
_COUNTER_QUANTITY = {"人": "people", "名": "people", "人次": "people", "家": "organisations"}
_COUNTER_ALLOWS = {"people": {"users", "staff"}, "organisations": set()}
UNIT_OF_QUANTITY = {"downloads": "downloads", "gpu_count": "GPU", "users": "users", "staff": "people",
                    "people": "people"}
# Counts of these are too often about "someone" to be pinned on an article's only named subject.
GENERIC_QUANTITIES = frozenset(
    {"other", "people", "organisations", "markets", "model_count", "staff", "characters", "data_centers", "views"}
)


@dataclass(frozen=True)
class Reading:
    start: int  # offsets in the sentence, from any currency sign to the end of the unit
    end: int
    value: float
    kind: str  # "money" | "percent" | "points" | "count" | "tokens" | "parameters" | "gpu_hours" | "gpu" ...
    unit: str
    counter: str | None
    qualifier: str | None  # "approx" | "over" | "under"
    conversion: bool
    rate: bool


def _value(kind: str, digits: str, magnitude: str | None) -> float | None:
    if kind == "ar":  # Decimal keeps 557.6 × 10^4 exactly 5576000
        plain = digits.replace(",", "").replace("，", "")
        return float(Decimal(plain) * Decimal(_MAGNITUDES.get(magnitude or "", "1")))
    try:
        return float(cn2an.cn2an(digits, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def _is_label(s: str, start: int, end: int, kind: str, digits: str) -> bool:
    before = s[max(0, start - 2) : start]
    if kind == "cn":  # "一个", "两种", "第一", "数十": words, not figures
        return len(digits) < 2 or not re.search("[十百千万亿]", digits) or before.endswith(("第", "数", "几"))
    if _LABEL_BEFORE.search(before) or _LABEL_AFTER.match(s, end):
        return True
    return digits.isdigit() and len(digits) > _MAX_PLAIN_DIGITS


def _read(s: str, match: re.Match[str]) -> Reading | None:
    kind = next(k for k in ("pct", "ar", "cn") if match.group(k))
    digits, start, end = match.group(kind), match.start(), match.end()
    if kind == "pct":
        value = _value("ar" if digits[0].isdigit() else "cn", digits, None)
        return None if value is None else _finish(s, start, end, value, "percent", "percent")
    if _is_label(s, start, end, kind, digits):
        return None
    magnitude = None
    if kind == "ar" and (mag := _MAGNITUDE.match(s, end)):
        magnitude, end = mag.group(1), mag.end()
    value = _value(kind, digits, magnitude)
    if value is None or _NOT_A_FIGURE_AFTER.match(s, end):
        return None
    post = _POST.match(s, end)
    unit_at = post.end() if post else end
    word = post.group(1) if post else None
    if (unit := _UNIT.match(s, unit_at)) is None:
        joined = _RANGE_JOINER.match(s, unit_at)
        following = NUMBER.match(s, joined.end()) if joined else None
        shared = _read(s, following) if following else None
        if shared and shared.kind in ("money", "percent"):
            return _finish(s, start, end, value, shared.kind, shared.unit, word)
        if _CURRENCY_PREFIX.search(s, max(0, start - 4), start) or (
            kind == "ar" and magnitude and not magnitude.isascii()
        ):  # "$5.5 million"; "日活突破2000万"
            return _finish(s, start, end, value, "count", "count", word)
        return None
    group, text = unit.lastgroup or "", unit.group(unit.lastgroup or 0)
    if group == "count" and _DURATION_AFTER_COUNTER.match(s, unit.end()):
        return None
    if group == "money":
        return _finish(s, start, unit.end(), value, "money", CURRENCIES.get(text.lower(), "CNY"), word)
    if group == "measure":
        return _finish(s, start, unit.end(), value, "measure", _MEASURES[text], word)
    counter = text if group == "count" else None
    return _finish(s, start, unit.end(), value, group, _UNIT_NAMES[group], word, counter)


def _finish(
    s: str, start: int, end: int, value: float, kind: str, unit: str, word: str | None = None,
    counter: str | None = None,
) -> Reading:
    if prefix := _CURRENCY_PREFIX.search(s, max(0, start - 4), start):
        if kind in ("count", "money"):
            kind, unit = "money", unit if kind == "money" else CURRENCIES[prefix.group(1).lower()]
        start = prefix.start()
    rate = False
    if r := _RATE_AFTER.match(s, end):
        unit, end, rate = f"{unit}/{_PERIODS[r.group(1)]}", r.end(), True
    elif r := _RATE_BEFORE.search(s, max(0, start - 4), start):
        unit, rate = f"{unit}/{_PERIODS[r.group(1)]}", True
    if word is None and (trailing := _TRAILING.match(s, end)):
        word = trailing.group(1)
    leading = _BEFORE.search(s, max(0, start - 8), start)
    if leading and word is None:
        word = leading.group(1)
    qualifier = next((name for name, words in _QUALIFIERS.items() if word and word.lower() in words), None)
    conversion = bool(leading and leading.group(1) in _CONVERSION)
    return Reading(start, end, value, kind, unit, counter, qualifier, conversion, rate)


def read_numbers(sentence: str) -> list[Reading]:
    """Every number with a unit in a simplified sentence."""
    return [r for m in NUMBER.finditer(sentence) if (r := _read(sentence, m))]


def _nearest(rules: list[tuple[re.Pattern[str], str]], s: str, start: int, end: int) -> tuple[int, str] | None:
    """The rule whose keyword is closest to [start, end) in the sentence; crossing a clause costs extra."""
    best: tuple[int, int, str] | None = None
    for order, (pattern, name) in enumerate(rules):
        for m in pattern.finditer(s):
            lo, hi = (m.end(), start) if m.end() <= start else (end, m.start())
            gap = max(0, hi - lo) + (_CLAUSE_PENALTY if hi > lo and _CLAUSE_MARK.search(s, lo, hi) else 0)
            if best is None or (gap, order) < best[:2]:
                best = (gap, order, name)
    return (best[0], best[2]) if best else None


def what_it_counts(r: Reading, s: str) -> str:
    """The quantity a reading counts, from keywords in its sentence; "other" when none applies."""
    if r.kind in ("percent", "points"):
        kind = _nearest(_SHARE_KINDS, s, r.start, r.end)
        if not kind or kind[0] >= _CLAUSE_PENALTY:  # "占", "增长" qualify a percentage in their own clause only
            return "other"
        topic = _nearest(_SHARE_TOPICS, s, r.start, r.end)
        return f"{topic[1]}_{kind[1]}" if topic and topic[0] < _CLAUSE_PENALTY else kind[1]
    if r.kind in ("tokens", "gpu_hours"):
        trained = _nearest(_TRAINING, s, r.start, r.end) is not None
        return {("tokens", True): "training_tokens", ("gpu_hours", True): "training_compute"}.get((r.kind, trained), r.kind)
    if r.kind in ("parameters", "users", "gpu", "measure"):
        return {"gpu": "gpu_count", "measure": "other"}.get(r.kind, r.kind)
    if r.kind == "money":
        found = _nearest(_MONEY, s, r.start, r.end)
        name = found[1] if found else "other"
        if name == "cost" and "训练" in s:
            return "training_cost"
        return "price" if r.rate and name in ("cost", "other") else name
    found = _nearest(_COUNT, s, r.start, r.end)
    if by_counter := _COUNTER_QUANTITY.get(r.counter or ""):
        return found[1] if found and found[1] in _COUNTER_ALLOWS[by_counter] else by_counter
    return found[1] if found else "other"
