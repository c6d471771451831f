"""Pages of training: the year's figures (days per person, coverage, monthly 应知应会), sessions,
quizzes and participation; and the residents' quiz pages (no login, phone-sized).

Pages call the same services as the API.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from yingji.core import ratelimit
from yingji.core.files import xlsx_response
from yingji.core.forms import form_view
from yingji.core.scope import can, has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.resources.models import Member, Team
from yingji.training import exports, quizzes, services
from yingji.training.areas import area_for
from yingji.training.forms import CourseForm, CoverageRuleForm, SessionForm, TrainingRuleForm
from yingji.training.imports import QuestionTable
from yingji.training.models import (
    Attempt,
    AttemptStatus,
    Attendance,
    Course,
    CoverageRule,
    OrganiserLevel,
    QuestionBank,
    Quiz,
    SessionKind,
    Topic,
    TrainingRule,
    TrainingSession,
)

MONTHS = list(range(1, 13))
SHORT_PER_PAGE = 50
REGISTER_ROWS = 300  # a register longer than this is ticked team by team (the team filter)


def _area_and_year(request: HttpRequest, perm: str = "training.view_course") -> tuple[Jurisdiction, int]:
    code = request.GET.get("jurisdiction", "").strip() or None
    area = area_for(request.user, code, perm)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    return area, year


def _areas(user: Any) -> Any:
    return Jurisdiction.objects.visible_to(user).filter(
        level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The year's training of an area: each member's days against the rules, coverage, 应知应会 by month."""
    area, year = _area_and_year(request)
    members = services.members_of(request.user, area)
    # Who falls short is worked out on the sums in SQL for everyone; Member models only for the page shown
    # (the page lists who falls short, 50 at a time; the Excel export lists everyone).
    short = services.short_of_rules(members, year)
    page = Paginator(short.short_ids, SHORT_PER_PAGE).get_page(request.GET.get("page"))
    on_page = {m.pk: m for m in members.filter(pk__in=list(page.object_list))}
    shown = services.training_days_table([on_page[pk] for pk in page.object_list], year)
    for row in shown:  # per level: (days attended, days required), in the order of the columns
        row.cells = [(row.days.get(level.value), row.required.get(level.value))  # type: ignore[attr-defined]
                     for level in OrganiserLevel]
    sessions = (TrainingSession.objects.visible_to(request.user).filter(jurisdiction__path__startswith=area.path,
                                                                        starts_on__year=year)
                .select_related("course__jurisdiction", "jurisdiction", "team")
                .annotate(attendees=_attendees()).order_by("-starts_on")[:100])
    return render(request, "training/index.html", {
        "area": area, "year": year, "areas": _areas(request.user), "years": range(year - 3, year + 2),
        "rows": shown, "page": page, "members": short.members, "short_count": len(short.short_ids), "levels": list(OrganiserLevel), "sessions": sessions,
        "coverage": services.coverage(area, year), "months": MONTHS,
        "gaps": services.must_know_gaps(area, year, timezone.localdate()),
        "may_export": has_perm_somewhere(request.user, "training.export_course")})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "training.export_course"):
        raise PermissionDenied
    area, year = _area_and_year(request, "training.export_course")
    content = exports.training_workbook(area, year, services.days_table(services.members_of(request.user, area), year))
    return xlsx_response(content, f"{_('training')}-{area.name}-{year}")


@login_required
def quiz_list(request: HttpRequest) -> HttpResponse:
    """Quizzes and banks of the area, and participation per community over a period."""
    area = area_for(request.user, request.GET.get("jurisdiction", "").strip() or None, "training.view_attempt")
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", ""))
        end = datetime.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        start, end = today.replace(month=1, day=1), today
    return render(request, "training/quizzes.html", {
        "area": area, "areas": _areas(request.user), "start": start, "end": end,
        "quizzes": Quiz.objects.visible_to(request.user).select_related("jurisdiction", "bank")
        .annotate(question_count=Count("questions", distinct=True)).order_by("-opens_at")[:100],
        "banks": QuestionBank.objects.visible_to(request.user).annotate(question_count=Count("questions")),
        "may_import": has_perm_somewhere(request.user, "training.import_question"),
        "participation": quizzes.quiz_participation(area, start, end, Attempt.objects.visible_to(request.user))})


@login_required
@require_POST
def question_import(request: HttpRequest) -> HttpResponse:
    """Questions from Excel through core.tabular: every bad cell named by row and column, nothing written."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose an .xlsx or .csv file first."))
        return redirect("training:quizzes")
    result = QuestionTable(request.user).import_file(upload.read(), upload.name or "")
    if result.ok:
        messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                         % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    else:
        for error in result.errors[:20]:
            messages.error(request, str(error))
    return redirect("training:quizzes")


@login_required
def question_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(QuestionTable(request.user).to_xlsx([]), _("questions"))


# ---------------------------------------------------------------- residents
class StartForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)
    community = forms.ModelChoiceField(label=gettext_lazy("Your community"), queryset=Jurisdiction.objects.none(),
                                       to_field_name="code", empty_label=gettext_lazy("— choose your community —"))

    def __init__(self, *args: Any, quiz: Quiz, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Jurisdiction.objects.filter(
            level=Level.COMMUNITY, path__startswith=quiz.jurisdiction.path).order_by("path")


def learn(request: HttpRequest) -> HttpResponse:
    """The quizzes open to residents now."""
    if not ratelimit.allow_public(request, "quiz-list"):
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    return render(request, "training/learn.html", {"quizzes": quizzes.open_quizzes()[:50]})


def learn_start(request: HttpRequest, pk: int) -> HttpResponse:
    quiz = get_object_or_404(quizzes.open_quizzes(), pk=pk)
    form = StartForm(request.POST or None, quiz=quiz)
    status = 200
    if request.method == "POST":
        if not ratelimit.allow_public(request, "quiz"):
            form.add_error(None, _("Too many requests from this address; try again in a minute."))
            status = 429
        elif form.is_valid():
            try:
                attempt = quizzes.start_attempt(quiz, resident_name=form.cleaned_data["name"],
                                                community=form.cleaned_data["community"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                return redirect("training:attempt", token=attempt.token)
        if form.errors and status == 200:
            status = 422
    return render(request, "training/learn_start.html", {"quiz": quiz, "form": form}, status=status)


def learn_attempt(request: HttpRequest, token: str) -> HttpResponse:
    """The paper: one question after another, a countdown (the server keeps the deadline), submit."""
    if not ratelimit.allow(f"public:quiz-attempt:{hashlib.sha256(token.encode()).hexdigest()[:32]}", 120):
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    attempt = get_object_or_404(Attempt.objects.select_related("quiz", "jurisdiction"), token=token,
                                member__isnull=True)
    questions = quizzes.quiz_questions(attempt.quiz)
    error = ""
    if request.method == "POST" and attempt.status == AttemptStatus.IN_PROGRESS:
        answers: dict[str, list[int]] = {}
        for question in questions:
            picked = request.POST.getlist(f"q{question.pk}")
            try:
                answers[str(question.pk)] = [int(p) for p in picked]
            except ValueError as exc:
                raise Http404 from exc
        try:
            attempt = quizzes.submit(attempt, answers)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("training:attempt", token=attempt.token)
    now = timezone.now()
    chosen = {int(k): v for k, v in attempt.answers.items()}
    paper = [{"question": q, "number": n, "chosen": chosen.get(q.pk, []),
              "right": q.answer, "options": list(enumerate(q.options)),
              "correct": sorted(chosen.get(q.pk, [])) == q.answer} for n, q in enumerate(questions, start=1)]
    return render(request, "training/learn_attempt.html", {
        "attempt": attempt, "paper": paper, "error": error,
        "finished": attempt.status != AttemptStatus.IN_PROGRESS,
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds()))},
        status=422 if error else 200)


# ---------------------------------------------------------------- courses, sessions, attendance, rules: forms
def _form_page(request: HttpRequest, form: Any, *, title: str, cancel: str) -> HttpResponse:
    return render(request, "training/form.html", {"form": form, "title": title, "cancel": cancel},
                  status=422 if form.is_bound and form.errors else 200)


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """Courses the user sees (培训课程), by organiser level and topic."""
    queryset = Course.objects.visible_to(request.user).select_related("jurisdiction").annotate(
        session_count=Count("sessions"))
    level = request.GET.get("level", "")
    if level in OrganiserLevel.values:
        queryset = queryset.filter(jurisdiction__level=level)
    topic = request.GET.get("topic", "")
    if topic in Topic.values:
        queryset = queryset.filter(topic=topic)
    page = Paginator(queryset.order_by("jurisdiction__path", "title", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "training/courses.html", {
        "page": page, "level": level, "topic": topic, "levels": OrganiserLevel.choices, "topics": Topic.choices,
        "may_add": has_perm_somewhere(request.user, "training.add_course")})


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "training.add_course"):
        raise PermissionDenied
    form = CourseForm(request.POST or None, user=request.user, initial={"hours": 8})
    return form_view(request, form, save=lambda f: services.create_course(actor=request.user, **f.service_data()),
                     saved=_("The course is created."), success_url=lambda _course: reverse("training:courses"),
                     page=lambda f: _form_page(request, f, title=_("New course"), cancel=reverse("training:courses")))


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(Course.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not can(request.user, "change", course):
        raise PermissionDenied
    form = CourseForm(request.POST or None, user=request.user, course=course)
    return form_view(request, form,
                     save=lambda f: services.update_course(course, actor=request.user, **f.service_data()),
                     saved=_("Saved."), success_url=lambda _course: reverse("training:courses"),
                     page=lambda f: _form_page(request, f, title=_("Edit %(title)s") % {"title": course.title},
                                               cancel=reverse("training:courses")))


def _attendees() -> Any:
    """A session's attendance counted in a subquery per session listed: Count("attendance") grouped every
    attendance row of the year by all the selected columns before the page's 50 were taken (1.9 s at futian)."""
    counted = (Attendance.objects.filter(session=OuterRef("pk")).order_by().values("session")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _sessions(user: Any) -> Any:
    return (TrainingSession.objects.visible_to(user)
            .select_related("course__jurisdiction", "jurisdiction", "team", "trainer_member"))


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Sessions (培训班次) of a year in an area, by team and kind (the monthly 应知应会 ones)."""
    area, year = _area_and_year(request, "training.view_trainingsession")
    queryset = _sessions(request.user).filter(jurisdiction__path__startswith=area.path, starts_on__year=year)
    team_code = request.GET.get("team", "").strip()
    team = (get_object_or_404(Team.objects.visible_to(request.user), code=team_code) if team_code else None)
    if team is not None:
        queryset = queryset.filter(team=team)
    kind = request.GET.get("kind", "")
    if kind in SessionKind.values:
        queryset = queryset.filter(kind=kind)
    queryset = queryset.annotate(attendees=_attendees()).order_by("-starts_on", "-pk")
    return render(request, "training/sessions.html", {
        "page": Paginator(queryset, 50).get_page(request.GET.get("page")), "area": area, "year": year,
        "areas": _areas(request.user), "years": range(year - 3, year + 2), "kind": kind, "kinds": SessionKind.choices,
        "team": team, "teams": Team.objects.visible_to(request.user).filter(
            jurisdiction__path__startswith=area.path).order_by("code").only("code", "name")[:500],
        "may_add": has_perm_somewhere(request.user, "training.add_trainingsession")})


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "training.add_trainingsession"):
        raise PermissionDenied
    initial: dict[str, Any] = {"starts_on": timezone.localdate(), "days": 1}
    course_id = request.GET.get("course", "")
    if course_id.isdigit():
        initial["course"] = get_object_or_404(Course.objects.visible_to(request.user), pk=int(course_id))
    form = SessionForm(request.POST or None, user=request.user, initial=initial)
    return form_view(request, form, save=lambda f: services.create_session(actor=request.user, **f.service_data()),
                     saved=_("The session is created; tick who attended."),
                     success_url=lambda session: reverse("training:session", args=[session.pk]),
                     page=lambda f: _form_page(request, f, title=_("New session"),
                                               cancel=reverse("training:sessions")))


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(_sessions(request.user), pk=pk)
    if not can(request.user, "change", session):
        raise PermissionDenied
    form = SessionForm(request.POST or None, user=request.user, session=session)
    return form_view(request, form,
                     save=lambda f: services.update_session(session, actor=request.user, **f.service_data()),
                     saved=_("Saved."), success_url=lambda _session: reverse("training:session", args=[session.pk]),
                     page=lambda f: _form_page(request, f, title=_("Edit session %(course)s · %(date)s") % {
                         "course": session.course.title, "date": session.starts_on.isoformat()},
                         cancel=reverse("training:session", args=[session.pk])))


def _register_members(request: HttpRequest, session: TrainingSession, team: Team | None) -> Any:
    """Who may be ticked: the members the user sees in the session's jurisdiction (its team for a monthly
    应知应会 session, or the team chosen), and those already recorded."""
    recorded = Attendance.objects.filter(session=session).values("member_id")
    members = Member.objects.visible_to(request.user).select_related("team")
    if session.kind == SessionKind.MUST_KNOW and session.team_id:
        shown = Q(team_id=session.team_id)
    elif team is not None:
        shown = Q(team=team)
    else:
        shown = Q(team__jurisdiction__path__startswith=session.jurisdiction.path)
    return members.filter(shown | Q(pk__in=recorded)).order_by("team__code", "name")


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The session and its register (签到表): tick who was present, days each, hours credited; saved at once."""
    session = get_object_or_404(_sessions(request.user), pk=pk)
    may_change = can(request.user, "change", session)
    team_code = request.GET.get("team", "").strip()
    team = get_object_or_404(Team.objects.visible_to(request.user), code=team_code) if team_code else None
    members = list(_register_members(request, session, team)[:REGISTER_ROWS + 1])
    truncated = len(members) > REGISTER_ROWS
    members = members[:REGISTER_ROWS]
    recorded = {a.member_id: a for a in Attendance.objects.filter(session=session, member__in=members)}
    errors: list[str] = []
    posted: dict[int, tuple[bool, str, bool]] = {}
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        by_id = {m.pk: m for m in members}
        try:
            shown = {int(v) for v in request.POST.getlist("shown")}
            ticked = {int(v) for v in request.POST.getlist("present")}
        except ValueError as exc:
            raise Http404 from exc
        if not shown <= set(by_id) or not ticked <= shown:
            raise Http404  # a member outside the register: another community's, or none at all
        everyone = "all" in request.POST
        present, absent = [], []
        for member_id in sorted(shown):
            member = by_id[member_id]
            days = request.POST.get(f"days-{member_id}", "").strip()
            passed = not session.course.certificate_kind or f"passed-{member_id}" in request.POST
            here = everyone or member_id in ticked
            posted[member_id] = (here, days, passed)
            if here:
                present.append((member, days or None, passed))
            elif member_id in recorded:
                absent.append(member)
        try:
            services.set_attendance(session, actor=request.user, present=present, absent=absent)
        except ValidationError as exc:
            errors = [f"{_field_label(name)}: {m}" for name, ms in exc.message_dict.items() for m in ms]
        else:
            messages.success(request, _("The register is saved: %(n)s present.") % {
                "n": Attendance.objects.filter(session=session).count()})
            return redirect(request.get_full_path())
    rows = []
    for member in members:
        item = recorded.get(member.pk)
        here, days, passed = posted.get(member.pk, (item is not None, str(item.days) if item else "",
                                                    item.passed if item else True))
        rows.append({"member": member, "present": here, "days": days, "passed": passed,
                     "hours": services.hours_for(session, item.days) if item else None})
    return render(request, "training/session.html", {
        "session": session, "rows": rows, "truncated": truncated, "errors": errors, "may_change": may_change,
        "team": team, "end": services.session_end(session),
        "present": Attendance.objects.filter(session=session).count(),
        "teams": [] if session.kind == SessionKind.MUST_KNOW else Team.objects.visible_to(request.user).filter(
            jurisdiction__path__startswith=session.jurisdiction.path).order_by("code").only("code", "name")[:500],
        "certificate": session.course.certificate_kind}, status=422 if errors else 200)


def _field_label(name: str) -> str:
    labels = {"days": pgettext("training", "Days"), "member": _("Team member"), "passed": _("Passed")}
    return str(labels.get(name, name))


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    """The required training as data: days a year per organiser level, and the coverage cycle."""
    may_add = has_perm_somewhere(request.user, "training.add_trainingrule")
    may_add_coverage = has_perm_somewhere(request.user, "training.add_coveragerule")
    which = request.POST.get("which") if request.method == "POST" else None
    day_form = TrainingRuleForm(request.POST if which == "days" else None, user=request.user, prefix="days")
    cover_form = CoverageRuleForm(request.POST if which == "coverage" else None, user=request.user,
                                  prefix="coverage")

    def page(_posted: Any = None) -> HttpResponse:
        failed = day_form.is_bound and bool(day_form.errors) or cover_form.is_bound and bool(cover_form.errors)
        return render(request, "training/rules.html", {
            "rules": TrainingRule.objects.visible_to(request.user).select_related("jurisdiction"),
            "coverage_rules": CoverageRule.objects.visible_to(request.user).select_related("jurisdiction"),
            "day_form": day_form if may_add else None, "cover_form": cover_form if may_add_coverage else None},
            status=422 if failed else 200)

    if request.method != "POST":
        return page()

    def rules(_rule: Any) -> str:
        return reverse("training:rules")

    if which == "days" and may_add:
        return form_view(request, day_form, save=lambda f: services.set_training_rule(actor=request.user,
                                                                                       **f.cleaned_data),
                         saved=_("Saved."), success_url=rules, page=page)
    if which == "coverage" and may_add_coverage:
        return form_view(request, cover_form, save=lambda f: services.set_coverage_rule(actor=request.user,
                                                                                         **f.cleaned_data),
                         saved=_("Saved."), success_url=rules, page=page)
    raise PermissionDenied


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(TrainingRule.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not can(request.user, "change", rule):
        raise PermissionDenied
    form = TrainingRuleForm(request.POST or None, user=request.user, rule=rule)
    return form_view(request, form,
                     save=lambda f: services.set_training_rule(actor=request.user, jurisdiction=rule.jurisdiction,
                                                               organiser_level=rule.organiser_level,
                                                               min_days=f.cleaned_data["min_days"]),
                     saved=_("Saved."), success_url=lambda _rule: reverse("training:rules"),
                     page=lambda f: _form_page(request, f, title=str(rule), cancel=reverse("training:rules")))


@login_required
def coverage_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(CoverageRule.objects.visible_to(request.user).select_related("jurisdiction"), pk=pk)
    if not can(request.user, "change", rule):
        raise PermissionDenied
    form = CoverageRuleForm(request.POST or None, user=request.user, rule=rule)
    return form_view(request, form,
                     save=lambda f: services.set_coverage_rule(actor=request.user, jurisdiction=rule.jurisdiction,
                                                               **f.cleaned_data),
                     saved=_("Saved."), success_url=lambda _rule: reverse("training:rules"),
                     page=lambda f: _form_page(request, f, title=_("Coverage rule of %(area)s") % {
                         "area": rule.jurisdiction.name}, cancel=reverse("training:rules")))
