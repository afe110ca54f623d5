"""Tables for the ledger of figures: number forms, units, qualifiers and what a figure counts.

Pure data plus small parsers; flows/figures.py applies them. Keyword tables are written in simplified
script only: sentences are converted (traditional → simplified) before matching, so one rule set
serves both scripts. The rules are general Chinese news wording for money, counts and shares — not
phrases taken from particular articles.
"""

from __future__ import annotations

import re

import cn2an

from flows.stories import to_simplified

ARABIC = r"\d+(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
CN_DIGITS = "零〇一二两兩三四五六七八九十百千万萬亿億"
CN_NUMBER = rf"[{CN_DIGITS}]+(?:[点點][零〇一二三四五六七八九]+)?"
NUMBER = re.compile(rf"百分之(?P<pct>{ARABIC}|{CN_NUMBER})|(?P<ar>{ARABIC})|(?P<cn>{CN_NUMBER})")

MAGNITUDES = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5,
    "万": 1e4, "千": 1e3, "百": 1e2, "million": 1e6, "billion": 1e9, "trillion": 1e12, "mn": 1e6, "bn": 1e9,
    "M": 1e6, "B": 1e9, "K": 1e3,
}
_CJK_MAGNITUDES = {"万亿", "千亿", "百亿", "十亿", "亿", "千万", "百万", "十万", "万", "千", "百"}
# Matched on simplified text; an English letter magnitude must not run on into a word ("2D", "5G").
MAGNITUDE = re.compile(
    r"\s?(万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千|百|million|billion|trillion|mn|bn|[MBK](?![A-Za-z]))"
)

CURRENCIES = {
    "美元": "USD", "美金": "USD", "us dollars": "USD", "us dollar": "USD", "dollars": "USD", "dollar": "USD",
    "usd": "USD", "us$": "USD", "$": "USD", "元人民币": "CNY", "人民币": "CNY", "元": "CNY", "块钱": "CNY",
    "rmb": "CNY", "cny": "CNY", "¥": "CNY", "港元": "HKD", "港币": "HKD", "hkd": "HKD", "hk$": "HKD",
    "欧元": "EUR", "eur": "EUR", "€": "EUR", "日元": "JPY", "日圆": "JPY", "jpy": "JPY", "英镑": "GBP",
    "gbp": "GBP", "£": "GBP", "卢比": "INR", "inr": "INR", "韩元": "KRW", "新台币": "TWD", "台币": "TWD",
    "卢布": "RUB", "澳元": "AUD", "加元": "CAD",
}
# A currency written before the number ("$5.5 million", "人民币86亿元").
CURRENCY_PREFIX = re.compile(r"(US\$|HK\$|\$|＄|¥|￥|€|£|人民币|美元)\s?$")

# What may follow a number (and its magnitude); matched on simplified text.
UNIT = re.compile(
    r"""\s?(?:
      (?P<gpu_hours>(?:[A-Z]+\d+[A-Z]*\s?)?GPU\s?(?:小时|hours?))
    | (?P<currency>美元|美金|元人民币|人民币|港元|港币|欧元|日元|日圆|英镑|卢比|韩元|新台币|台币|卢布|澳元|加元|块钱|元
        |US\sdollars?|dollars?|USD|RMB|CNY|INR|EUR|HKD|JPY|GBP)
    | (?P<percent>%|％)
    | (?P<points>个百分点|百分点|percentage\spoints?)
    | (?P<tokens>(?:个)?\s?(?:tokens?|Tokens?|TOKENS?|词元))
    | (?P<parameters>(?:个)?参数|parameters?)
    | (?P<users>名?用户)
    | (?P<gpu>(?:[A-Z]+\d+[A-Z]*\s?)?(?:GPUs?|显卡))
    | (?P<counter>人次|个|块|颗|枚|张|台|家|项|款|种|名|位|人|次|条|篇|部|所|座|辆|架|艘|套|份|例|起|支|笔|户)
    )""",
    re.VERBOSE,
)
# A counter followed by one of these measures time ("10个月"): durations are not ledger figures.
DURATION_AFTER_COUNTER = re.compile(r"月|小时|星期|礼拜|季度|工作日|钟头|世纪")
# A number followed by these is a date, a time, an age, an edition ...: never a figure.
NOT_A_FIGURE_AFTER = re.compile(r"\s?(?:年|月|日|号|天|周|小时|分钟|秒|点|时|岁|世纪|季度|届|期|版|代|楼|层|号线)")
RATE_AFTER = re.compile(r"\s?(?:/|每)\s?(秒|s|小时|h|天|日|月|年)")
RATE_BEFORE = re.compile(r"每(秒|小时|天|日|月|年)\s?$")
PERIODS = {"秒": "s", "s": "s", "小时": "hour", "h": "hour", "天": "day", "日": "day", "月": "month", "年": "year"}
# Joins a number to the next one that carries the shared unit ("19.6万和16.9万颗", "1万至2万美元").
RANGE_JOINER = re.compile(r"\s?(?:和|与|或|至|到|～|~|－|-|—|、)\s?")

QUALIFIER_BEFORE = re.compile(
    r"(约合|折合|大约|大概|大致|约|近|接近|将近|逾|超过|超出|超|突破|多达|至少|不到|不足|少于|最多"
    r"|about|around|approximately|nearly|over|more than|less than)\s?$",
    re.IGNORECASE,
)
QUALIFIER_AFTER = re.compile(r"(多|余|来|左右|上下|以上|以下|以内|出头)")
QUALIFIERS = {
    "approx": {"约合", "折合", "大约", "大概", "大致", "约", "来", "左右", "上下", "about", "around", "approximately"},
    "over": {"逾", "超过", "超出", "超", "突破", "至少", "多", "余", "以上", "出头", "over", "more than"},
    "under": {"近", "接近", "将近", "不到", "不足", "少于", "最多", "以下", "以内", "nearly", "less than"},
}
CONVERSION = {"约合", "折合"}

# Keyword → what the figure counts, by the kind of unit it has; nearest keyword wins, then list order.
MONEY_RULES = [
    (r"训练的?(?:成本|费用|花费|开支|支出|耗资|投入)", "training_cost"),
    (r"(?:训练|开发|研发|打造|构建)[了出成]*[^，。,；;]{0,12}模型", "training_cost"),
    (r"预算", "budget"),
    (r"融资|募资|筹资|资金", "funding"),
    (r"投资|投入|注资", "investment"),
    (r"营收|营业额|销售额|收入", "revenue"),
    (r"净利润|利润|盈利|净利", "profit"),
    (r"亏损", "loss"),
    (r"市值", "market_value"),
    (r"估值", "valuation"),
    (r"价格|定价|售价|报价|单价|收费", "price"),
    (r"补贴|补助", "subsidy"),
    (r"薪酬|工资|年薪|月薪|薪资", "salary"),
    (r"罚款|罚金", "fine"),
    (r"票房", "box_office"),
    (r"成本|费用|花费|开支|支出|耗资|代价", "cost"),
]
COUNT_RULES = [
    (r"下载|安装", "downloads"),
    (r"GPU|显卡|芯片|加速卡|算力卡", "gpu_count"),
    (r"用户|日活|月活", "users"),
    (r"访问量|浏览量|阅读量|播放量|点击量|访问", "views"),
    (r"公司|企业|厂商|开发商|机构|伙伴|商家|初创", "organisations"),
    (r"员工|雇员|职员|人才|工程师|研究员|招募|招聘|裁员", "staff"),
    (r"数据中心", "data_centers"),
    (r"模型", "model_count"),
    (r"字符", "characters"),
]
TRAINING_RULES = [(r"训练", "training")]
PERCENT_KINDS = [
    (r"占比|份额|比例|比重|贡献|渗透率|占", "share"),
    (r"补贴", "subsidy"),
    (r"增长|上涨|提高|增加|提升|涨幅|增幅|上升", "increase"),
    (r"下降|降低|减少|下跌|下滑|跌幅|降幅", "decrease"),
]
PERCENT_TOPICS = [
    (r"下载", "download"),
    (r"营收|收入", "revenue"),
    (r"用户", "user"),
    (r"成本|费用|价格", "cost"),
    (r"市场", "market"),
]
# A count's unit follows from what it counts ("2000个" GPUs → "GPU").
UNIT_OF_QUANTITY = {"downloads": "downloads", "gpu_count": "GPU", "users": "users", "staff": "people"}


def compile_rules(rules: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), name) for pattern, name in rules]


def parse_number(kind: str, digits: str) -> float | None:
    """The value of an Arabic ("1,600", "557.6") or Chinese ("一千六百", "十五点六") number."""
    if kind == "ar":
        return float(digits.replace(",", ""))
    try:
        return float(cn2an.cn2an(to_simplified(digits).replace("點", "点"), "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def cjk_magnitude(word: str) -> bool:
    return word in _CJK_MAGNITUDES


def qualifier_of(word: str | None) -> str | None:
    for name, words in QUALIFIERS.items():
        if word and word.lower() in words:
            return name
    return None
