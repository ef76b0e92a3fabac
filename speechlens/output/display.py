"""Display names for people: themes, genres, specificity and the words of reports and tables, in
Chinese (the default: the readers are Chinese officials) or English. Machine names — JSON keys,
CSV column names, label values — stay English everywhere; only what a person reads changes."""

from __future__ import annotations

from pathlib import PurePath
from typing import Mapping

from speechlens.errors import SpeechlensError

LANGS: tuple[str, ...] = ("zh", "en")

_THEMES = {
    "zh": {"development": "发展", "livelihood": "民生", "safety": "安全", "party": "党建", "none": "无主题"},
    "en": {"development": "development", "livelihood": "livelihood", "safety": "safety", "party": "party",
           "none": "no theme"},
}
_GENRES = {
    "zh": {"speech": "讲话", "self_report": "述职报告", "work_summary": "工作总结", "gov_report": "政府工作报告",
           "self_criticism": "对照检查材料", "research_report": "调研报告", "meeting_news": "会议报道",
           "rectification_report": "整改报告"},
    "en": {"speech": "speech", "self_report": "self-report", "work_summary": "work summary",
           "gov_report": "government report", "self_criticism": "self-examination",
           "research_report": "research report", "meeting_news": "meeting news",
           "rectification_report": "rectification report"},
}
_SPECIFICITY = {
    "zh": {"concrete": "具体", "formulaic": "套话"},
    "en": {"concrete": "concrete", "formulaic": "formulaic"},
}

# Words of the report, the Word document, the terminal tables and the charts.
_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "述职报告分析", "documents_n": "{n} 份文档", "model": "模型", "default_model": "默认",
        "overview": "概览", "unit": "单位", "docs": "文档数", "theme_shares": "主题占比",
        "problems": "问题数", "per_doc": "每份文档", "matrix": "问题矩阵",
        "matrix_note": "各单位承认的问题按主题计数；括号内为每份文档的平均数。",
        "shared": "共性问题", "units_n": "{n} 个单位", "admissions_n": "{n} 条",
        "no_shared": "没有两个及以上单位共同承认的问题。", "speech": "点评讲话",
        "criticism": "点评指出的问题", "admitted_by": "承认的单位", "nobody": "无单位承认",
        "keyness": "关键词", "terms": "高频特征词 (G²)", "charts": "图表", "by_unit": "各单位承认的问题",
        "no_problem": "未发现承认的问题。", "outline": "提纲", "fulltext": "全文（按主题着色）",
        "word_cloud": "词云", "themes": "主题", "admitted": "承认的问题", "none_found": "未发现",
        "parts": "部分", "comparison": "{n} 个单位比较", "unique": "仅一个单位承认的问题",
        "by_theme": "按主题统计的问题（单位 × 主题）", "keyness_head": "关键词：各单位高频特征词（G²，p < 0.05，前 {n} 个）",
        "speech_head": "点评讲话：{c} 处批评，{t} 项任务", "recurring": "连年重复承认的问题",
        "eg": "例", "no_unit": "无单位承认", "year": "年份", "genre": "文体", "file": "文件",
        "theme": "主题", "subtheme": "子主题", "specificity": "具体性", "group": "共性问题组",
        "text": "内容", "search": "搜索", "all": "全部", "all_problems": "全部问题一览",
        "shown": "显示 {n} 条", "share_axis": "主题占比", "heat_title": "每份文档承认的问题数（括号内为总数）",
        "legend": "图例", "heading": "所在标题", "sentence": "句子", "value": "数值", "measure": "度量",
        "table": "表", "item": "项目", "no_theme": "无主题", "similarity": "相似度", "count": "计数",
        "formulaic": "套话",
        "reuse": "文本复用", "reuse_note": "{n} 对文档有相同段落（除数字和套话外至少 {c} 个字）；年份不同时由早到晚。",
        "reused": "复用占比", "stock": "套话占比", "shared_with": "相同段落所在文档", "passage_n": "{n} 字 · 相似度 {s}",
        "trend_title": "年度变化（数字为承认的问题数）", "user_themes": "自定义主题（正文中提及其词语的比例）",
    },
    "en": {
        "title": "speechlens report", "documents_n": "{n} document(s)", "model": "model",
        "default_model": "default", "overview": "Overview", "unit": "unit", "docs": "docs",
        "theme_shares": "theme shares", "problems": "problems", "per_doc": "per document",
        "matrix": "Problem matrix",
        "matrix_note": "Admitted problems per unit and theme; in brackets the mean per document.",
        "shared": "Shared problems", "units_n": "{n} units", "admissions_n": "{n} admissions",
        "no_shared": "No problem is admitted by two or more units.", "speech": "The review speech",
        "criticism": "criticism", "admitted_by": "admitted by", "nobody": "no unit admits this",
        "keyness": "Keyness", "terms": "terms (G²)", "charts": "Charts",
        "by_unit": "Admitted problems by unit", "no_problem": "No admitted problem found.",
        "outline": "Outline", "fulltext": "Sentences by theme", "word_cloud": "word cloud",
        "themes": "themes", "admitted": "admitted problems", "none_found": "none found", "parts": "parts",
        "comparison": "Comparison of {n} units", "unique": "Problems only one unit admits",
        "by_theme": "Admitted problems by theme (unit × theme)",
        "keyness_head": "Keyness: terms each unit over-uses (signed G², p < 0.05; top {n})",
        "speech_head": "The review speech: {c} criticisms, {t} tasks",
        "recurring": "Admitted again year after year", "eg": "e.g.", "no_unit": "no unit admits this",
        "year": "year", "genre": "genre", "file": "file", "theme": "theme", "subtheme": "sub-theme",
        "specificity": "specificity", "group": "shared group", "text": "text", "search": "Search",
        "all": "all", "all_problems": "All admitted problems", "shown": "{n} shown",
        "share_axis": "theme share", "heat_title": "Admitted problems per document (total in brackets)",
        "legend": "legend", "heading": "under heading", "sentence": "sentence", "value": "value",
        "measure": "measure", "table": "table", "item": "item", "no_theme": "no theme",
        "similarity": "similarity", "count": "count", "formulaic": "formulaic",
        "reuse": "Text reuse", "reuse_note": "{n} pairs of documents share passages (at least {c} characters "
        "beyond figures and stock formulas). Earlier → later when the years differ.",
        "reused": "reused", "stock": "stock formulas (套话)", "shared_with": "shared with",
        "passage_n": "{n} characters · similarity {s}",
        "trend_title": "Year over year (figures: admitted problems)", "user_themes": "Your themes (share of body text naming their words)",
    },
}


def check_lang(lang: str) -> str:
    """``lang`` if speechlens speaks it, else a SpeechlensError naming the choices."""
    if lang not in LANGS:
        raise SpeechlensError(f"language {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def words(lang: str = "zh") -> Mapping[str, str]:
    """The report's words in ``lang`` (keys are English identifiers)."""
    return _WORDS[check_lang(lang)]


def theme_name(label: str, lang: str = "zh") -> str:
    """发展 for ``development`` in Chinese; the label itself in English."""
    return _THEMES[check_lang(lang)].get(label, label)


def theme_names(lang: str = "zh") -> dict[str, str]:
    """Every theme label (and ``none``) with its display name."""
    return dict(_THEMES[check_lang(lang)])


def genre_name(genre: str | None, lang: str = "zh") -> str:
    """述职报告 for ``self_report``; an unknown genre is shown as it is, a missing one as ''."""
    return _GENRES[check_lang(lang)].get(genre, genre) if genre else ""


def specificity_name(spec: str, lang: str = "zh") -> str:
    """具体 / 套话 for ``concrete`` / ``formulaic``."""
    return _SPECIFICITY[check_lang(lang)].get(spec, spec)


def themes_label(themes: "tuple[str, ...] | list[str]", lang: str = "zh") -> str:
    """A problem's themes joined for display (发展/民生), or the no-theme word."""
    return "/".join(theme_name(t, lang) for t in themes) or theme_name("none", lang)


def file_name(path: str | None) -> str:
    """The file name of ``path`` without its folders: reports for people never show local paths."""
    if not path:
        return ""
    return PurePath(path.replace("\\", "/")).name


# Display names of the CSV columns written by ``compare --format csv`` and ``batch``; the header
# row keeps the machine names, a reader's spreadsheet can label them with these.
COLUMN_NAMES = {
    "zh": {"table": "表", "unit": "单位", "item": "项目", "item_name": "项目名称", "measure": "度量",
           "value": "数值", "text": "内容", "id": "编号", "path": "文件", "year": "年份", "genre": "文体",
           "problems": "问题数", "development": "发展", "livelihood": "民生", "safety": "安全", "party": "党建",
           "specificity": "具体性", "themes": "主题", "subtheme": "子主题", "section": "所在标题"},
    "en": {},
}


def column_name(column: str, lang: str = "zh") -> str:
    """The display name of a machine column name (the column name itself in English)."""
    return COLUMN_NAMES[check_lang(lang)].get(column, column)


def item_name(item: str, lang: str = "zh") -> str:
    """Display name of a machine value in the tidy table's ``item`` column (themes, counts)."""
    if item in _THEMES["en"]:
        return theme_name(item, lang)
    if lang == "zh":
        return {"documents": "文档数", "problems": "问题数", "formulaic": "套话"}.get(item, item)
    return item


_SUBTHEMES_ZH = {
    "development/agriculture": "农业与集体经济", "development/economy": "经济运行", "development/enterprise": "营商环境",
    "development/industry": "工业与园区", "development/infrastructure": "基础设施", "development/investment": "招商引资",
    "development/projects": "项目建设", "development/tourism": "文旅产业",
    "livelihood/assistance": "社会救助", "livelihood/education": "教育", "livelihood/elderly": "养老",
    "livelihood/employment": "就业", "livelihood/environment": "生态环境", "livelihood/health": "医疗卫生",
    "livelihood/housing": "住房与旧改", "livelihood/income": "居民收入", "livelihood/services": "公共服务",
    "livelihood/talent": "人才服务",
    "party/cadres": "干部队伍", "party/integrity": "廉洁纪律", "party/organisation": "基层组织",
    "party/political": "政治建设", "party/responsibility": "管党治党责任", "party/style": "作风建设",
    "party/theory": "理论学习",
    "safety/disaster": "防灾减灾", "safety/epidemic": "疫情防控", "safety/finance": "金融风险",
    "safety/governance": "基层治理", "safety/petitions": "信访维稳", "safety/production": "安全生产",
}


def subtheme_name(subtheme: str | None, lang: str = "zh") -> str:
    """招商引资 for ``development/investment``; in English the part after the slash."""
    if not subtheme or subtheme.startswith("none/"):
        return ""
    if check_lang(lang) == "zh":
        return _SUBTHEMES_ZH.get(subtheme, subtheme)
    return subtheme.split("/", 1)[-1]
