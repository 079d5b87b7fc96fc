"""What the public sees: the published edition of the plan (実施計画（公表版）.docx) and the open data
(公開データ/) leave out what only the planning division and the 課 read while the plan is drafted.

One list each, by the labels the columns and sections go by in the outputs:
- INTERNAL_COLUMNS: never printed in the 公表版's tables nor written to 公開データ/;
- INTERNAL_SECTIONS: sections of the draft the 公表版 leaves out (review lists, spellings, files).
"""
from __future__ import annotations

from .schema import label_key

INTERNAL_COLUMNS = (
    "予算説明書頁", "予算説明書",  # the budget book's page: an internal cross-reference
    "備考",  # notes between the 課 and the planning division
    "要確認", "要確認の理由", "確認事項",  # review marks and what to check
    "仮番号",  # whether the 事業ID was assigned by the compile
    "表記", "統合した表記の違い", "統合規則", "入力事業名",  # how rows were merged
    "行数", "ファイル", "シート", "行", "出所",  # which workbook, sheet and row a value came from
    "施策体系内",  # a check of the 施策コード
    "期間満了", "要改定",  # the review mark of a 個別計画 whose period runs out during the plan
)
INTERNAL_SECTIONS = ("施策が特定できない事業", "再掲・重複統合一覧", "予算との対照", "要確認事業", "前年度計画からの変更点")

_KEYS = frozenset(label_key(c) for c in INTERNAL_COLUMNS)


def is_internal(label: str) -> bool:
    """Whether a column (by its label as printed, line breaks and spaces aside) is internal."""
    return label_key(label) in _KEYS
