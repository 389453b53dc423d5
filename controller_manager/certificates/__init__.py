"""certificates.k8s.io controllers: CSR signing ("csrsigning") and cleaning ("csrcleaner")."""
