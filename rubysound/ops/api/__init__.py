"""Operations over HTTP: the health probes, the metrics and the API's own documentation."""
