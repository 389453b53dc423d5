"""Client machinery shared by every component: import from the modules directly.

`api_client.ApiClient` (REST + watch) · `informer.Informer` / `shared_informers.SharedInformers`
(list + watch into a `store.Store`) · `workqueue.WorkQueue` · `controller.Controller` ·
`leader_election.LeaderElector` · `events.EventRecorder` · `errors` (typed `ApiError`s) ·
`kubeconfig.resolve_server`.
"""
