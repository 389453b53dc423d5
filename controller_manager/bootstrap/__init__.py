"""Bootstrap-token controllers: expired tokens deleted ("tokencleaner"), cluster-info signed ("bootstrapsigner")."""
