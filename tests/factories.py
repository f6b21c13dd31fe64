"""factory_boy factories for the kernel's objects; modules add their own beside their tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from jianguan.core.models import Department, Device, Jurisdiction, User

TEST_PASSWORD = "Test@Pass2026"


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{420502 + n:06d}")
    name = factory.Sequence(lambda n: f"测试区{n}")
    level = Jurisdiction.Level.DISTRICT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    kind = User.Kind.STAFF
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    kind = Device.Kind.ATTENDANCE_TERMINAL
    protocol = Device.Protocol.ZKTECO_PUSH
    name = factory.Sequence(lambda n: f"考勤机{n}")
    secret = "s3cret-for-tests"


def department(code: str) -> Department:
    return Department.objects.get(code=code)
