using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(GmailAutomation.ClassificationService.Benchmarks.ClassificationBenchmarks).Assembly).Run(args);
