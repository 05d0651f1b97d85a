// Parallel test classes deadlock the jsii bridge: run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
