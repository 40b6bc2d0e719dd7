// Each collection starts its own AppHost with real servers; running them side by side on two cores only
// makes both slower and their timeouts flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
