using GmailAutomation.ReplyPipeline.Benchmarks;

return await ReplyLatencyDriver.RunAsync(args);
