"""The speed benchmark: `python -m bench` times every page's queries, the naive pandas peer, the bytes a page
sends, cold start and the mart's build throughput at scales s, m and l. See bench/README.md."""
