"""The demo cast: one account per role, in real Lixia units (also the tests' named cast).

| username    | role                | unit                         |
|-------------|---------------------|------------------------------|
| operator    | operator 话务员      | —                            |
| dispatcher  | dispatcher 派单员    | —                            |
| zhujian     | unit handler 承办人  | 区住房和城乡建设局 (370102-D09) |
| zhujian_lead| unit leader 负责人   | 区住房和城乡建设局             |
| jiaoti      | unit handler 承办人  | 区教育和体育局 (370102-D03)    |
| jiefanglu   | unit handler 承办人  | 解放路街道 (370102001)         |
| supervisor  | supervisor 督办员    | —                            |
| leader      | district leader 区领导 | —                          |
| admin       | administrator (superuser) | —                       |
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Membership, MembershipRole, Unit
from .roles import Role, ensure_groups

DEMO_PASSWORD = "zhili-demo-2026"  # noqa: S105 - a documented demo password, printed by make demo


@dataclass(frozen=True)
class CastMember:
    username: str
    full_name: str
    role: str
    unit_code: str | None = None
    unit_role: str = MembershipRole.HANDLER
    unit_name: str = ""

    @property
    def label(self) -> str:
        return str(Role.LABELS[self.role])


CAST = [
    CastMember("operator", "王话务", Role.OPERATOR),
    CastMember("dispatcher", "李派单", Role.DISPATCHER),
    CastMember("zhujian", "张住建", Role.UNIT_HANDLER, "370102-D09"),
    CastMember("zhujian_lead", "赵局长", Role.UNIT_LEADER, "370102-D09", MembershipRole.LEADER),
    CastMember("jiaoti", "刘教体", Role.UNIT_HANDLER, "370102-D03"),
    CastMember("jiefanglu", "陈街道", Role.UNIT_HANDLER, "370102001"),
    CastMember("supervisor", "周督办", Role.SUPERVISOR),
    CastMember("leader", "吴区长", Role.DISTRICT_LEADER),
    CastMember("admin", "系统管理员", Role.ADMINISTRATOR),
]


@transaction.atomic
def create_demo_users(password: str = DEMO_PASSWORD) -> list[CastMember]:
    """Create or reset the cast. Raises LookupError (in Chinese) when a unit is not loaded yet."""
    ensure_groups()
    user_model = get_user_model()
    result = []
    for member in CAST:
        unit = None
        if member.unit_code:
            unit = Unit.objects.filter(code=member.unit_code).first()
            if unit is None:
                raise LookupError(f"单位 {member.unit_code} 不存在：请先运行 zhili load-district lixia")
        user, _ = user_model.objects.get_or_create(username=member.username)
        user.first_name = member.full_name
        user.is_staff = member.role == Role.ADMINISTRATOR
        user.is_superuser = member.role == Role.ADMINISTRATOR
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=member.role)])
        user.memberships.all().delete()
        if unit is not None:
            Membership.objects.create(user=user, unit=unit, role=member.unit_role)
        result.append(CastMember(**{**member.__dict__, "unit_name": unit.name if unit else ""}))
    return result
