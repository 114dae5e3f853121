using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Bert.MLNet.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
