"""Open311's error answer: a list of ``error`` items with ``code`` and ``description``.

GeoReport v2: 404 for a missing resource or jurisdiction, 403 for a missing or wrong api_key,
400 for anything else. Descriptions are English (for client developers) and Chinese.
"""


class Open311Error(Exception):
    """Refuse the call with ``status`` and one or more (English, Chinese) descriptions."""

    def __init__(self, status: int, *messages: tuple[str, str]):
        super().__init__("; ".join(english for english, _ in messages))
        self.status = status
        self.messages = list(messages)

    def as_list(self) -> list[dict]:
        """[{"code": 400, "description": "service_code is required / 缺少 service_code"}, …]"""
        return [{"code": self.status, "description": f"{english} / {chinese}"} for english, chinese in self.messages]


def bad_request(*messages: tuple[str, str]) -> Open311Error:
    return Open311Error(400, *messages)


def not_found(english: str, chinese: str) -> Open311Error:
    return Open311Error(404, (english, chinese))


def forbidden(english: str, chinese: str) -> Open311Error:
    return Open311Error(403, (english, chinese))
