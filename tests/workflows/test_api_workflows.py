from __future__ import annotations

import pytest

from workflows.demo import demo_graph
from workflows.models import Workflow, WorkflowVersion

pytestmark = pytest.mark.django_db


def create(api, **data):
    return api.post("/api/workflows/", {"name": "Flow", "description": "d", **data}, format="json")


def test_owner_creates_lists_reads_updates_and_deletes_a_workflow(owner_api):
    created = create(owner_api)
    assert created.status_code == 201, created.content
    wf_id = created.json()["id"]
    assert created.json()["slug"] == "flow"
    assert owner_api.get("/api/workflows/").json()["count"] == 1
    assert (
        owner_api.patch(f"/api/workflows/{wf_id}/", {"name": "Renamed"}, format="json").json()[
            "slug"
        ]
        == "renamed"
    )
    assert owner_api.delete(f"/api/workflows/{wf_id}/").status_code == 204
    assert not Workflow.objects.exists()


def test_slugs_stay_unique_per_owner(owner_api):
    create(owner_api)
    assert create(owner_api).json()["slug"] == "flow-2"


def test_workflow_without_a_name_is_refused_naming_the_field(owner_api):
    response = owner_api.post("/api/workflows/", {"description": "no name"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["name"] == ["This field is required."]
    assert error["message"].startswith("name:")


def test_another_user_gets_404_on_the_owners_workflow(owner_api, other_api):
    wf_id = create(owner_api).json()["id"]
    for call in (other_api.get, other_api.delete):
        assert call(f"/api/workflows/{wf_id}/").status_code == 404
    assert (
        other_api.patch(f"/api/workflows/{wf_id}/", {"name": "x"}, format="json").status_code == 404
    )
    assert other_api.get(f"/api/workflows/{wf_id}/versions/").status_code == 404
    assert other_api.get("/api/workflows/").json()["count"] == 0


def test_staff_sees_every_workflow(owner_api, staff_api):
    wf_id = create(owner_api).json()["id"]
    assert staff_api.get(f"/api/workflows/{wf_id}/").status_code == 200
    assert staff_api.get("/api/workflows/").json()["count"] == 1


def test_anonymous_requests_get_401(client):
    response = client.get("/api/workflows/")
    assert response.status_code == 401
    assert "error" in response.json()


def test_saving_versions_numbers_them_and_keeps_old_ones_unchanged(owner_api):
    wf_id = create(owner_api).json()["id"]
    graph = demo_graph()
    first = owner_api.post(
        f"/api/workflows/{wf_id}/versions/", {"graph": graph, "message": "one"}, format="json"
    )
    assert first.status_code == 201, first.content
    graph["nodes"][0]["label"] = "Changed"
    second = owner_api.post(
        f"/api/workflows/{wf_id}/versions/", {"graph": graph, "message": "two"}, format="json"
    )
    assert (first.json()["number"], second.json()["number"]) == (1, 2)
    listed = owner_api.get(f"/api/workflows/{wf_id}/versions/").json()
    assert [v["number"] for v in listed["results"]] == [2, 1]
    v1 = owner_api.get(f"/api/workflows/{wf_id}/versions/1/").json()
    assert v1["graph"]["nodes"][0]["label"] == "Question"
    assert owner_api.get(f"/api/workflows/{wf_id}/").json()["latest_version"]["number"] == 2


def test_a_saved_version_cannot_be_changed():
    from django.contrib.auth.models import User

    user = User.objects.create_user("u")
    wf = Workflow.objects.create(owner=user, name="w", slug="w")
    version = WorkflowVersion.objects.create(workflow=wf, number=1, graph=demo_graph())
    version.message = "edited"
    with pytest.raises(Exception, match="immutable"):
        version.save()


def test_a_graph_that_is_not_an_object_is_refused(owner_api):
    wf_id = create(owner_api).json()["id"]
    response = owner_api.post(f"/api/workflows/{wf_id}/versions/", {"graph": [1, 2]}, format="json")
    assert response.status_code == 400
    assert "graph" in response.json()["error"]["fields"]


def test_export_then_import_round_trips_the_graph(owner_api):
    wf_id = create(owner_api, graph=demo_graph()).json()["id"]
    exported = owner_api.get(f"/api/workflows/{wf_id}/export/").json()
    imported = owner_api.post("/api/workflows/import/", exported, format="json")
    assert imported.status_code == 201, imported.content
    new_id = imported.json()["id"]
    assert owner_api.get(f"/api/workflows/{new_id}/export/").json()["graph"] == exported["graph"]


def test_import_of_a_foreign_document_names_the_missing_field(owner_api):
    response = owner_api.post("/api/workflows/import/", {"name": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"axweb_export", "graph"}


def test_duplicate_copies_the_latest_graph(owner_api):
    wf_id = create(owner_api, graph=demo_graph()).json()["id"]
    copy_ = owner_api.post(f"/api/workflows/{wf_id}/duplicate/")
    assert copy_.status_code == 201
    assert copy_.json()["name"] == "Flow (copy)"
    assert copy_.json()["latest_version"]["number"] == 1


def test_draft_autosave_round_trips_without_creating_a_version(owner_api):
    wf_id = create(owner_api).json()["id"]
    graph = demo_graph()
    assert (
        owner_api.put(f"/api/workflows/{wf_id}/draft/", {"graph": graph}, format="json").status_code
        == 200
    )
    assert (
        owner_api.get(f"/api/workflows/{wf_id}/draft/").json()["graph"]["nodes"] == graph["nodes"]
    )
    assert owner_api.get(f"/api/workflows/{wf_id}/").json()["latest_version"] is None


def test_search_filters_workflows_by_name(owner_api):
    create(owner_api, name="Alpha")
    create(owner_api, name="Beta")
    names = [w["name"] for w in owner_api.get("/api/workflows/?search=alp").json()["results"]]
    assert names == ["Alpha"]


def test_an_invalid_graph_gets_400_listing_every_problem_with_its_node_or_edge(owner_api):
    wf_id = create(owner_api).json()["id"]
    graph = demo_graph()
    graph["nodes"].append({"id": "mystery", "kind": "teleport", "config": {}})
    graph["edges"].append(
        {
            "id": "bad",
            "source": "answer",
            "source_port": "out",
            "target": "ghost",
            "target_port": "in",
        }
    )
    response = owner_api.post(f"/api/workflows/{wf_id}/versions/", {"graph": graph}, format="json")
    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert {"unknown_kind"} <= {p["code"] for p in problems}
    assert any(p["node"] == "mystery" for p in problems)
    assert any(p["edge"] == "bad" for p in problems)
    assert all(p["message"] for p in problems)


def test_validate_reports_problems_without_saving(owner_api):
    wf_id = create(owner_api).json()["id"]
    graph = {"nodes": [{"id": "o", "kind": "output"}], "edges": []}
    response = owner_api.post(f"/api/workflows/{wf_id}/validate/", {"graph": graph}, format="json")
    assert response.status_code == 200
    assert response.json()["problems"]
    assert owner_api.get(f"/api/workflows/{wf_id}/").json()["latest_version"] is None


def test_node_kind_catalog_serves_every_kind_with_schema_and_ports(owner_api):
    kinds = {k["kind"]: k for k in owner_api.get("/api/node-kinds/").json()}
    assert {"input", "output", "agent", "llm", "join", "loop", "map", "approval", "note"} <= set(
        kinds
    )
    assert kinds["join"]["inputs"][0]["type"] == "any"
    assert "properties" in kinds["agent"]["config_schema"]


def test_deleting_a_workflow_with_runs_deletes_its_runs(owner_api, owner):
    from workflows.models import Run, Workflow

    wf_id = create(owner_api, graph=demo_graph()).json()["id"]
    workflow = Workflow.objects.get(pk=wf_id)
    Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    assert owner_api.delete(f"/api/workflows/{wf_id}/").status_code == 204
    assert not Run.objects.exists()


def test_the_runs_list_filters_the_child_runs_of_a_run(owner_api, owner):
    from workflows.models import Run

    workflow = Workflow.objects.create(owner=owner, name="Parent", slug="parent")
    version = WorkflowVersion.objects.create(workflow=workflow, number=1, graph=demo_graph())
    parent = Run.objects.create(owner=owner, workflow=workflow, version=version)
    child = Run.objects.create(
        owner=owner, workflow=workflow, version=version, parent=parent, parent_node="n3"
    )
    listed = owner_api.get(f"/api/runs/?parent={parent.id}").json()["results"]
    assert [(r["id"], r["parent_node"]) for r in listed] == [(str(child.id), "n3")]
