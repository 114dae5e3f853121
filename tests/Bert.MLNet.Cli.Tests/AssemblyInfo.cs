// The commands write to the process-wide Console.Error, and one test captures it: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
