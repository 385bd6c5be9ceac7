"""The site's interface strings in English, Russian and Uzbek (Latin and Cyrillic).

A small dictionary per language for now; gettext catalogs (Babel extraction, ``.po``
files for translators) can replace it when the strings grow. Review text itself is not
translated here: it is written in the review's own language.
"""

from __future__ import annotations

import logging
from typing import Final

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "format_rating",
    "gettext",
    "normalize_language",
]

DEFAULT_LANGUAGE: Final = "en"
# The languages the project's editors publish in (DESIGN.md): code -> its own name.
LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "ru": "Русский",
    "uz-Latn": "Oʻzbekcha",
    "uz-Cyrl": "Ўзбекча",
}

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "latest": "Latest reviews",
        "archive": "Archive",
        "archive_title": "Reviews by week",
        "week": "Week {week}, {year}",
        "search": "Search",
        "search_label": "Search articles",
        "search_results": "Results for “{query}”",
        "search_empty": "Nothing found.",
        "search_prompt": "Type words to search the stored articles.",
        "feed": "Atom feed",
        "no_reviews": "No reviews yet.",
        "draft": "draft",
        "published": "published",
        "sources": "Sources",
        "author": "Author",
        "tags": "Tags",
        "rating": "Rating",
        "rate": "Rate this review",
        "your_rating": "Your rating: {stars} of 5",
        "stars": "{n} of 5 stars",
        "no_ratings": "no ratings yet",
        "ratings_one": "{n} rating",
        "ratings_many": "{n} ratings",
        "share": "Share",
        "email": "E-mail",
        "story": "Story",
        "story_sources": "Articles by language and outlet",
        "timeline": "Timeline",
        "undated": "undated",
        "languages": "Languages",
        "not_found": "Page not found.",
        "home": "Home",
        "language": "Language",
        "window": "Covers {start} – {end}",
        "read_story": "the story’s sources",
        "forbidden": "This form has expired. Reload the page and try again.",
        "throttled": "Too many votes in a short time. Wait a minute and try again.",
        "bad_request": "That request could not be understood.",
    },
    "ru": {
        "latest": "Последние обзоры",
        "archive": "Архив",
        "archive_title": "Обзоры по неделям",
        "week": "Неделя {week}, {year}",
        "search": "Поиск",
        "search_label": "Поиск по статьям",
        "search_results": "Результаты по запросу «{query}»",
        "search_empty": "Ничего не найдено.",
        "search_prompt": "Введите слова для поиска по статьям.",
        "feed": "Лента Atom",
        "no_reviews": "Обзоров пока нет.",
        "draft": "черновик",
        "published": "опубликован",
        "sources": "Источники",
        "author": "Автор",
        "tags": "Теги",
        "rating": "Оценка",
        "rate": "Оцените обзор",
        "your_rating": "Ваша оценка: {stars} из 5",
        "stars": "{n} из 5 звёзд",
        "no_ratings": "оценок пока нет",
        "ratings_one": "{n} оценка",
        "ratings_few": "{n} оценки",
        "ratings_many": "{n} оценок",
        "share": "Поделиться",
        "email": "Эл. почта",
        "story": "Сюжет",
        "story_sources": "Статьи по языкам и изданиям",
        "timeline": "Хронология",
        "undated": "без даты",
        "languages": "Языки",
        "not_found": "Страница не найдена.",
        "home": "Главная",
        "language": "Язык",
        "window": "Период: {start} – {end}",
        "read_story": "источники сюжета",
        "forbidden": "Форма устарела. Обновите страницу и попробуйте снова.",
        "throttled": "Слишком много голосов за короткое время. Подождите минуту.",
        "bad_request": "Запрос не удалось разобрать.",
    },
    "uz-Latn": {
        "latest": "Soʻnggi sharhlar",
        "archive": "Arxiv",
        "archive_title": "Haftalar boʻyicha sharhlar",
        "week": "{year}-yil, {week}-hafta",
        "search": "Qidiruv",
        "search_label": "Maqolalardan qidirish",
        "search_results": "“{query}” boʻyicha natijalar",
        "search_empty": "Hech narsa topilmadi.",
        "search_prompt": "Maqolalardan qidirish uchun soʻz kiriting.",
        "feed": "Atom lentasi",
        "no_reviews": "Hozircha sharhlar yoʻq.",
        "draft": "qoralama",
        "published": "eʼlon qilingan",
        "sources": "Manbalar",
        "author": "Muallif",
        "tags": "Teglar",
        "rating": "Baho",
        "rate": "Sharhni baholang",
        "your_rating": "Sizning bahoingiz: 5 dan {stars}",
        "stars": "5 dan {n} yulduz",
        "no_ratings": "hali baho yoʻq",
        "ratings_one": "{n} ta baho",
        "ratings_many": "{n} ta baho",
        "share": "Ulashish",
        "email": "E-pochta",
        "story": "Voqea",
        "story_sources": "Tillar va nashrlar boʻyicha maqolalar",
        "timeline": "Xronologiya",
        "undated": "sanasiz",
        "languages": "Tillar",
        "not_found": "Sahifa topilmadi.",
        "home": "Bosh sahifa",
        "language": "Til",
        "window": "Davr: {start} – {end}",
        "read_story": "voqea manbalari",
        "forbidden": "Shakl eskirgan. Sahifani yangilab, qayta urinib koʻring.",
        "throttled": "Qisqa vaqtda juda koʻp ovoz. Bir daqiqa kuting.",
        "bad_request": "Soʻrovni tushunib boʻlmadi.",
    },
    "uz-Cyrl": {
        "latest": "Сўнгги шарҳлар",
        "archive": "Архив",
        "archive_title": "Ҳафталар бўйича шарҳлар",
        "week": "{year} йил, {week}-ҳафта",
        "search": "Қидирув",
        "search_label": "Мақолалардан қидириш",
        "search_results": "“{query}” бўйича натижалар",
        "search_empty": "Ҳеч нарса топилмади.",
        "search_prompt": "Мақолалардан қидириш учун сўз киритинг.",
        "feed": "Atom лентаси",
        "no_reviews": "Ҳозирча шарҳлар йўқ.",
        "draft": "қоралама",
        "published": "эълон қилинган",
        "sources": "Манбалар",
        "author": "Муаллиф",
        "tags": "Теглар",
        "rating": "Баҳо",
        "rate": "Шарҳни баҳоланг",
        "your_rating": "Сизнинг баҳоингиз: 5 дан {stars}",
        "stars": "5 дан {n} юлдуз",
        "no_ratings": "ҳали баҳо йўқ",
        "ratings_one": "{n} та баҳо",
        "ratings_many": "{n} та баҳо",
        "share": "Улашиш",
        "email": "Э-почта",
        "story": "Воқеа",
        "story_sources": "Тиллар ва нашрлар бўйича мақолалар",
        "timeline": "Хронология",
        "undated": "санасиз",
        "languages": "Тиллар",
        "not_found": "Саҳифа топилмади.",
        "home": "Бош саҳифа",
        "language": "Тил",
        "window": "Давр: {start} – {end}",
        "read_story": "воқеа манбалари",
        "forbidden": "Шакл эскирган. Саҳифани янгилаб, қайта уриниб кўринг.",
        "throttled": "Қисқа вақтда жуда кўп овоз. Бир дақиқа кутинг.",
        "bad_request": "Сўровни тушуниб бўлмади.",
    },
}
# The decimal separator of each language's number format (CLDR): a comma but in English.
_DECIMAL_SEPARATOR: Final[dict[str, str]] = {"en": ".", "ru": ",", "uz-Latn": ",", "uz-Cyrl": ","}


def normalize_language(value: str | None) -> str | None:
    """The supported language code a user or a review names, or None.

    Args:
        value: ``ru``, ``uz-latn``, ``uz_Cyrl``, ``uz`` (taken as Latin, the official
            script) and so on, in any case.

    Returns:
        A key of :data:`LANGUAGES`, or None when the value names none of them.
    """
    if not value:
        return None
    wanted = value.strip().replace("_", "-").lower()
    if wanted == "uz":
        return "uz-Latn"
    for code in LANGUAGES:
        if code.lower() == wanted:
            return code
    return None


def gettext(lang: str, key: str, **values: object) -> str:
    """One interface string in ``lang`` (English when missing), with values filled in.

    Args:
        lang: A key of :data:`LANGUAGES`.
        key: The message's name.
        **values: Values for its ``{placeholders}``.

    Returns:
        The translated text.

    Raises:
        KeyError: no language knows the message (a bug, caught by the tests).
    """
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE])
    template = table.get(key) or MESSAGES[DEFAULT_LANGUAGE][key]
    return template.format(**values) if values else template


def _count_key(lang: str, n: int) -> str:
    """The plural form's message key for ``n`` (Russian has three, the others two)."""
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "ratings_one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "ratings_few"
        return "ratings_many"
    return "ratings_one" if n == 1 else "ratings_many"


def format_rating(lang: str, count: int, average: float | None) -> str:
    """A rating as readers see it: ``3.8 · 27 ratings``, or ``no ratings yet``.

    A mean is never shown beside a count of zero.

    Args:
        lang: A key of :data:`LANGUAGES`.
        count: How many readers rated.
        average: Their mean stars.

    Returns:
        The text.
    """
    if count <= 0 or average is None:
        return gettext(lang, "no_ratings")
    mean = f"{average:.1f}".replace(".", _DECIMAL_SEPARATOR.get(lang, "."))
    return f"{mean} · {gettext(lang, _count_key(lang, count), n=count)}"


# The editor's desk (midweek.web.editor), kept in one block so the reader's strings above
# stay easy to review; merged into MESSAGES below.
_EDITOR_MESSAGES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "editor_desk": "Editor’s desk",
        "login_title": "Editor login",
        "user_name": "Name",
        "password": "Password",
        "log_in": "Log in",
        "log_out": "Log out",
        "login_failed": "Wrong name or password.",
        "login_locked": "Too many failed logins. Try again in 15 minutes.",
        "signed_in_as": "Signed in as {name}",
        "edit": "Edit",
        "preview": "Preview",
        "history": "History",
        "publish": "Publish",
        "unpublish": "Unpublish",
        "save": "Save",
        "edited": "edited",
        "state": "State",
        "window_field": "Period",
        "title_field": "Title",
        "rubric_field": "Rubric",
        "intro_field": "Intro",
        "teasers_field": "Teasers (one per line, at most three)",
        "tags_field": "Tags (comma-separated)",
        "heading_field": "Heading",
        "text_field": "Text (one sentence per line; sources stay with the section)",
        "section_n": "Section {n}",
        "move_up": "Move up",
        "move_down": "Move down",
        "delete_section": "Delete section",
        "published_locked": "This review is published. Unpublish it to edit it.",
        "preview_note": "Preview: the review as readers will see it.",
        "view_on_site": "View on the site",
        "diff_title": "Changes since the generated draft",
        "no_changes": "No changes yet.",
        "audit_log": "Audit log",
        "when": "When",
        "who": "Who",
        "action": "Action",
        "changes": "Changes",
    },
    "ru": {
        "editor_desk": "Редакция",
        "login_title": "Вход для редакторов",
        "user_name": "Имя",
        "password": "Пароль",
        "log_in": "Войти",
        "log_out": "Выйти",
        "login_failed": "Неверное имя или пароль.",
        "login_locked": "Слишком много неудачных попыток. Попробуйте через 15 минут.",
        "signed_in_as": "Вы вошли как {name}",
        "edit": "Правка",
        "preview": "Предпросмотр",
        "history": "История",
        "publish": "Опубликовать",
        "unpublish": "Снять с публикации",
        "save": "Сохранить",
        "edited": "изменён",
        "state": "Статус",
        "window_field": "Период",
        "title_field": "Заголовок",
        "rubric_field": "Рубрика",
        "intro_field": "Вступление",
        "teasers_field": "Анонсы (по одному в строке, не больше трёх)",
        "tags_field": "Теги (через запятую)",
        "heading_field": "Подзаголовок",
        "text_field": "Текст (по предложению в строке; источники остаются у раздела)",
        "section_n": "Раздел {n}",
        "move_up": "Выше",
        "move_down": "Ниже",
        "delete_section": "Удалить раздел",
        "published_locked": "Обзор опубликован. Снимите его с публикации, чтобы править.",
        "preview_note": "Предпросмотр: так обзор увидят читатели.",
        "view_on_site": "Открыть на сайте",
        "diff_title": "Изменения по сравнению с созданным черновиком",
        "no_changes": "Изменений пока нет.",
        "audit_log": "Журнал действий",
        "when": "Когда",
        "who": "Кто",
        "action": "Действие",
        "changes": "Изменения",
    },
    "uz-Latn": {
        "editor_desk": "Tahririyat",
        "login_title": "Muharrirlar uchun kirish",
        "user_name": "Ism",
        "password": "Parol",
        "log_in": "Kirish",
        "log_out": "Chiqish",
        "login_failed": "Ism yoki parol notoʻgʻri.",
        "login_locked": "Muvaffaqiyatsiz urinishlar juda koʻp. 15 daqiqadan keyin urinib koʻring.",
        "signed_in_as": "{name} sifatida kirdingiz",
        "edit": "Tahrirlash",
        "preview": "Oldindan koʻrish",
        "history": "Tarix",
        "publish": "Eʼlon qilish",
        "unpublish": "Eʼlondan olish",
        "save": "Saqlash",
        "edited": "tahrirlangan",
        "state": "Holat",
        "window_field": "Davr",
        "title_field": "Sarlavha",
        "rubric_field": "Rukn",
        "intro_field": "Kirish soʻzi",
        "teasers_field": "Anonslar (har qatorda bittadan, koʻpi bilan uchta)",
        "tags_field": "Teglar (vergul bilan)",
        "heading_field": "Kichik sarlavha",
        "text_field": "Matn (har qatorda bitta gap; manbalar boʻlimda qoladi)",
        "section_n": "{n}-boʻlim",
        "move_up": "Yuqoriga",
        "move_down": "Pastga",
        "delete_section": "Boʻlimni oʻchirish",
        "published_locked": "Sharh eʼlon qilingan. Tahrirlash uchun uni eʼlondan oling.",
        "preview_note": "Oldindan koʻrish: oʻquvchilar sharhni shunday koʻradi.",
        "view_on_site": "Saytda ochish",
        "diff_title": "Yaratilgan qoralamaga nisbatan oʻzgarishlar",
        "no_changes": "Hozircha oʻzgarish yoʻq.",
        "audit_log": "Amallar jurnali",
        "when": "Qachon",
        "who": "Kim",
        "action": "Amal",
        "changes": "Oʻzgarishlar",
    },
    "uz-Cyrl": {
        "editor_desk": "Таҳририят",
        "login_title": "Муҳаррирлар учун кириш",
        "user_name": "Исм",
        "password": "Парол",
        "log_in": "Кириш",
        "log_out": "Чиқиш",
        "login_failed": "Исм ёки парол нотўғри.",
        "login_locked": "Муваффақиятсиз уринишлар жуда кўп. 15 дақиқадан кейин уриниб кўринг.",
        "signed_in_as": "{name} сифатида кирдингиз",
        "edit": "Таҳрирлаш",
        "preview": "Олдиндан кўриш",
        "history": "Тарих",
        "publish": "Эълон қилиш",
        "unpublish": "Эълондан олиш",
        "save": "Сақлаш",
        "edited": "таҳрирланган",
        "state": "Ҳолат",
        "window_field": "Давр",
        "title_field": "Сарлавҳа",
        "rubric_field": "Рукн",
        "intro_field": "Кириш сўзи",
        "teasers_field": "Анонслар (ҳар қаторда биттадан, кўпи билан учта)",
        "tags_field": "Теглар (вергул билан)",
        "heading_field": "Кичик сарлавҳа",
        "text_field": "Матн (ҳар қаторда битта гап; манбалар бўлимда қолади)",
        "section_n": "{n}-бўлим",
        "move_up": "Юқорига",
        "move_down": "Пастга",
        "delete_section": "Бўлимни ўчириш",
        "published_locked": "Шарҳ эълон қилинган. Таҳрирлаш учун уни эълондан олинг.",
        "preview_note": "Олдиндан кўриш: ўқувчилар шарҳни шундай кўради.",
        "view_on_site": "Сайтда очиш",
        "diff_title": "Яратилган қораламага нисбатан ўзгаришлар",
        "no_changes": "Ҳозирча ўзгариш йўқ.",
        "audit_log": "Амаллар журнали",
        "when": "Қачон",
        "who": "Ким",
        "action": "Амал",
        "changes": "Ўзгаришлар",
    },
}
for _lang, _table in _EDITOR_MESSAGES.items():
    MESSAGES[_lang].update(_table)
