using Blueshift.ReleaseDemo;

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"release demo: {ex.Message}");
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    var outcome = await new DemoScenario(options, Console.Out).RunAsync(stop.Token);
    return outcome.AsExpected ? 0 : 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 130;
}
catch (DemoException ex)
{
    Console.Error.WriteLine($"release demo: {ex.Message}");
    return 1;
}
