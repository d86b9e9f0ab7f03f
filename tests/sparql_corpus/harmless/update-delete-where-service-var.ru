DELETE WHERE { ?service <http://example.org/load> ?load }
