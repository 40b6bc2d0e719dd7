using BenchmarkDotNet.Running;
using GmailAutomation.ClassificationService.Benchmarks;

// `latency [rate] [seconds] [accounts]`: the end-to-end driver (real servers); anything else: BenchmarkDotNet.
if (args is ["latency", ..])
{
    return await LatencyDriver.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ClassificationBenchmarks).Assembly).Run(args);
return 0;
