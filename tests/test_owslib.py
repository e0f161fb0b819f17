"""A real third-party OGC client (OWSLib) reads every collection to the last page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from owslib.ogcapi.features import Features


def test_owslib_reads_every_collection_following_next_links(server: str) -> None:
    client = Features(server)
    assert "conformsTo" in client.conformance()
    assert client.api()["components"]["parameters"]["limit"]["schema"]["maximum"] == 10_000
    ids = [c["id"] for c in client.collections()["collections"]]
    assert ids == client.feature_collections()
    for collection_id in ids:
        meta = client.collection(collection_id)
        assert meta["id"] == collection_id
        params: dict[str, int] = {"limit": 500}
        seen: list[str] = []
        while True:
            page = client.collection_items(collection_id, **params)
            seen += [f["id"] for f in page["features"]]
            nxt = [link for link in page["links"] if link["rel"] == "next"]
            if not nxt:
                break
            query = parse_qs(urlparse(nxt[0]["href"]).query)
            params = {"limit": int(query["limit"][0]), "offset": int(query["offset"][0])}
        assert len(seen) == len(set(seen)) == page["numberMatched"], collection_id
        first = client.collection_item(collection_id, seen[0])
        assert first["id"] == seen[0]
