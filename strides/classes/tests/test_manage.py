"""Classes management: make and edit classes, set their pupils and staff. ``MANAGE_CLASSES`` at
the class's school; another school's class answers 404. Every change is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from strides.access.gate import visible_pupils
from strides.audit.models import AuditEntry
from strides.classes import services
from strides.classes.models import GroupMembership, GroupStaff, StaffRole, TeachingGroup
from strides.testing.cast import add_past_year_class, add_year_group

pytestmark = pytest.mark.django_db

INDEX = reverse("classes_manage:index")


def url(name: str, **kwargs) -> str:
    return reverse(f"classes_manage:{name}", kwargs=kwargs)


def members(group) -> set[str]:
    return set(group.memberships.values_list("pupil__legal_forename", flat=True))


# --- who may manage ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin", "head", "senior"])
def test_class_managers_may(client_for, cast, name):
    client = client_for(cast.users[name])
    assert client.get(url("school", urn="100001")).status_code == 200
    assert client.get(url("pupils", group_id=cast.class_3t.pk)).status_code == 200
    assert client.get(url("staff", group_id=cast.class_3t.pk)).status_code == 200
    assert client.get(url("edit", group_id=cast.class_3t.pk)).status_code == 200
    assert client.get(url("create", urn="100001")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "analyst",
        "eap",
        "director",
        "senco",
        "subject_leader",
        "teacher",
        "ta",
        "governor",
        "other_teacher",
        "placing",
        "parent",
    ],
)
def test_everyone_else_is_refused(client_for, cast, name):
    client = client_for(cast.users[name])
    assert client.get(INDEX).status_code == 403
    assert client.get(url("pupils", group_id=cast.class_3t.pk)).status_code == 403


def test_index_sends_a_one_school_manager_to_their_school(client_for, cast):
    assert client_for(cast.head).get(INDEX)["Location"] == url("school", urn="100001")
    response = client_for(cast.admin).get(INDEX)
    assert [s.urn for s in response.context["schools"]] == ["100004", "100001", "100003", "100002"]


def test_another_schools_classes_answer_404(client_for, cast):
    client = client_for(cast.head)
    assert client.get(url("school", urn="100002")).status_code == 404
    assert client.get(url("create", urn="100002")).status_code == 404
    for name in ("edit", "pupils", "staff"):
        assert client.get(url(name, group_id=cast.class_8r.pk)).status_code == 404
        assert client.post(url(name, group_id=cast.class_8r.pk), {"name": "x"}).status_code == 404
    link = GroupStaff.objects.get(group=cast.class_8r)
    assert client.post(url("staff_remove", group_id=cast.class_8r.pk, staff_id=link.pk)).status_code == 404
    # a link of another class, through a class the head does manage, is 404 too
    assert client.post(url("staff_remove", group_id=cast.class_3t.pk, staff_id=link.pk)).status_code == 404
    assert GroupStaff.objects.filter(pk=link.pk).exists()
    assert client.get(url("school", urn=cast.hillside.urn)).status_code == 404


def test_school_classes_list_with_pinned_queries(client_for, cast, django_assert_max_num_queries):
    for n in range(10):
        group = services.create_group(None, cast.north, cast.year, f"Set {n}", nc_year=4, subject="Maths")
        services.assign_staff(None, group, cast.teacher)
    client = client_for(cast.head)
    with django_assert_max_num_queries(12):
        response = client.get(url("school", urn="100001"))
    assert len(response.context["groups"]) == 12
    assert "Tom Teacher" in response.content.decode()


def test_school_classes_list_uses_the_usual_labels(client_for, cast):
    services.create_group(None, cast.north, cast.year, "Reception Oak", nc_year=0)
    services.create_group(None, cast.north, cast.year, "Choir")
    html = client_for(cast.head).get(url("school", urn="100001")).content.decode()
    assert '<th scope="row">Reception Oak</th>\n    <td>R</td>\n    <td>Form class</td>' in html
    assert '<th scope="row">3T</th>\n    <td>Year 3</td>' in html
    assert '<th scope="row">Choir</th>\n    <td>Mixed years</td>' in html
    assert "Registration" not in html


# --- making and editing classes ---------------------------------------------------------------


def test_make_a_class(client_for, cast):
    response = client_for(cast.head).post(
        url("create", urn="100001"),
        {"name": " 4M ", "academic_year": cast.year.pk, "nc_year": "4", "subject": "Maths"},
    )
    group = TeachingGroup.objects.get(school=cast.north, name="4M")
    assert response["Location"] == url("pupils", group_id=group.pk)
    assert (group.nc_year, group.subject) == (4, "Maths")
    assert AuditEntry.objects.filter(
        object_type="classes.TeachingGroup", action="create", actor_id=cast.head.pk
    )


def test_a_taken_name_is_a_form_error_not_a_500(client_for, cast):
    client = client_for(cast.head)
    response = client.post(url("create", urn="100001"), {"name": "3t", "academic_year": cast.year.pk})
    assert response.status_code == 200
    assert "already has a class called &#x27;3t&#x27;" in response.content.decode()
    response = client.post(url("edit", group_id=cast.class_3b.pk), {"name": "3T"})
    assert "already has a class called &#x27;3T&#x27;" in response.content.decode()
    assert TeachingGroup.objects.filter(school=cast.north).count() == 2


def test_a_taken_name_shows_beside_the_name_field(client_for, cast):
    response = client_for(cast.head).post(url("edit", group_id=cast.class_3b.pk), {"name": "3t"})
    assert response.context["form"].errors["name"] == [
        f"{cast.north} already has a class called '3t' in {cast.year.label}."
    ]


def test_a_race_for_a_name_is_a_form_error_not_a_500(client_for, cast, monkeypatch):
    """The check passed, then another request saved the name first: the database refuses."""
    monkeypatch.setattr(services, "_clean_name", lambda school, year, name, exclude_pk=None: name)
    client = client_for(cast.head)
    response = client.post(url("create", urn="100001"), {"name": "3T", "academic_year": cast.year.pk})
    assert response.status_code == 200
    assert "already has a class called &#x27;3T&#x27;" in response.content.decode()
    response = client.post(url("edit", group_id=cast.class_3b.pk), {"name": "3T"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert sorted(TeachingGroup.objects.filter(school=cast.north).values_list("name", flat=True)) == [
        "3B",
        "3T",
    ]


def test_edit_a_class_records_before_and_after(client_for, cast):
    response = client_for(cast.senior).post(
        url("edit", group_id=cast.class_3t.pk), {"name": "3 Tigers", "nc_year": "3"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(object_type="classes.TeachingGroup", action="update").latest("id")
    assert (entry.before["name"], entry.after["name"]) == ("3T", "3 Tigers")
    assert entry.actor_id == cast.senior.pk


def test_an_invalid_nc_year_is_named(client_for, cast):
    response = client_for(cast.head).post(
        url("edit", group_id=cast.class_3t.pk), {"name": "3T", "nc_year": "42"}
    )
    assert "NC year “42”" in response.content.decode()


# --- pupils -----------------------------------------------------------------------------------


def test_pupils_page_lists_the_roll_filtered_to_the_class_year_with_members_ticked(client_for, cast):
    add_year_group(cast, 4, 2)
    response = client_for(cast.head).get(url("pupils", group_id=cast.class_3t.pk))
    rows = {pupil.legal_forename: ticked for pupil, _, ticked in response.context["rows"]}
    assert rows == {"Ava": True, "Ben": False}
    response = client_for(cast.head).get(url("pupils", group_id=cast.class_3t.pk), {"nc_year": ""})
    assert len(response.context["rows"]) == 4


def test_set_the_class_list(client_for, cast):
    client = client_for(cast.head)
    response = client.post(
        url("pupils", group_id=cast.class_3t.pk),
        {"nc_year": "3", "shown": [cast.ava.pk, cast.ben.pk], "pupils": [cast.ben.pk]},
    )
    assert response.status_code == 302
    assert members(cast.class_3t) == {"Ben"}
    entry = AuditEntry.objects.filter(
        object_type="classes.TeachingGroup", reason="class list changed"
    ).latest("id")
    assert (entry.before, entry.after) == ({"pupils": [cast.ava.pk]}, {"pupils": [cast.ben.pk]})


def test_a_filtered_page_keeps_the_pupils_it_did_not_show(client_for, cast):
    add_year_group(cast, 4, 1)
    client = client_for(cast.head)
    year4 = client.get(url("pupils", group_id=cast.class_3t.pk), {"nc_year": "4"}).context["rows"]
    extra = year4[0][0]
    assert [pupil.legal_forename for pupil, _, _ in year4] == ["Pupil0"]
    client.post(
        url("pupils", group_id=cast.class_3t.pk), {"nc_year": "4", "shown": [extra.pk], "pupils": [extra.pk]}
    )
    assert members(cast.class_3t) == {"Ava", "Pupil0"}


def test_a_pupil_from_another_school_is_refused_and_nothing_changes(client_for, cast):
    response = client_for(cast.head).post(
        url("pupils", group_id=cast.class_3t.pk),
        {"shown": [cast.ava.pk, cast.cara.pk], "pupils": [cast.cara.pk]},
    )
    assert response.status_code == 200
    assert f"Pupil {cast.cara.pk} is not on the school" in response.content.decode()
    assert members(cast.class_3t) == {"Ava"}


def test_pupils_page_query_count_is_pinned(client_for, cast, django_assert_max_num_queries):
    add_year_group(cast, 3, 40)
    client = client_for(cast.head)
    with django_assert_max_num_queries(14):
        response = client.get(url("pupils", group_id=cast.class_3t.pk))
    assert len(response.context["rows"]) == 42


# --- staff ------------------------------------------------------------------------------------


def test_add_and_remove_staff_from_the_schools_people(client_for, cast):
    client = client_for(cast.head)
    candidates = client.get(url("staff", group_id=cast.class_3b.pk)).context["form"].fields["user"].queryset
    assert cast.other_teacher not in candidates and cast.admin not in candidates
    assert cast.senior in candidates

    response = client.post(
        url("staff", group_id=cast.class_3b.pk), {"user": cast.senior.pk, "role": StaffRole.TEACHER}
    )
    assert response.status_code == 302
    link = GroupStaff.objects.get(group=cast.class_3b, user=cast.senior)
    assert AuditEntry.objects.filter(
        object_type="classes.GroupStaff", object_id=str(link.pk), action="create"
    )

    response = client.post(
        url("staff", group_id=cast.class_3b.pk), {"user": cast.other_teacher.pk, "role": "teacher"}
    )
    assert response.context["form"].errors["user"]

    client.post(url("staff_remove", group_id=cast.class_3b.pk, staff_id=link.pk))
    assert not GroupStaff.objects.filter(pk=link.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="classes.GroupStaff", object_id=str(link.pk), action="delete"
    )


def test_governors_are_never_offered_or_accepted_as_class_staff(client_for, cast):
    client = client_for(cast.head)
    candidates = client.get(url("staff", group_id=cast.class_3b.pk)).context["form"].fields["user"].queryset
    assert set(candidates.values_list("username", flat=True)) == {
        "head",
        "senior",
        "senco",
        "subject_leader",
        "teacher",
        "ta",
    }
    response = client.post(
        url("staff", group_id=cast.class_3b.pk), {"user": cast.governor.pk, "role": StaffRole.TEACHER}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert not GroupStaff.objects.filter(group=cast.class_3b, user=cast.governor).exists()


def test_teacher_sees_the_class_once_linked(client_for, cast):
    client_for(cast.head).post(
        url("staff", group_id=cast.class_3b.pk), {"user": cast.teacher.pk, "role": "teacher"}
    )
    assert set(visible_pupils(cast.teacher).values_list("legal_forename", flat=True)) == {"Ava", "Ben"}
    assert GroupMembership.objects.filter(group=cast.class_3b).count() == 1


# --- a past year's class: leavers outside the leaver window ---------------------------------------


def test_a_past_years_class_names_no_leaver_the_class_page_hides(client_for, cast):
    """A class of two years ago keeps its members, but a pupil who left the school before the
    leaver window (``gate.leaver_window``) is no longer the school's business: the management
    page names them no more than the class page does (it counts them, as it stays in the class)."""
    group = add_past_year_class(cast).class_past
    client = client_for(cast.head)
    class_page = client.get(reverse("classes:class_detail", kwargs={"group_id": group.pk})).content.decode()
    assert "Recentleaver" in class_page and "Oldleaver" not in class_page
    for params in ({}, {"nc_year": ""}):
        page = client.get(url("pupils", group_id=group.pk), params).content.decode()
        assert "Oldleaver" not in page and "Olga" not in page
        assert "Recentleaver" in page
