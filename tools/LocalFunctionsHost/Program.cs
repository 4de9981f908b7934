using Blueshift.LocalFunctionsHost;
using Blueshift.LocalFunctionsHost.FunctionApp;

LocalHostOptions options;
try
{
    options = LocalHostOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LocalHostOptions.Usage);
    return 2;
}

try
{
    await using var app = LocalFunctionsHostApp.Build(options);
    // Resolved before running: RunAsync disposes the service provider when the host stops.
    var handler = app.Services.GetRequiredService<HandlerProcess>();
    await app.RunAsync();
    if (handler.UnexpectedExit is { } exit)
    {
        Console.Error.WriteLine(exit);
        return 1;
    }
    return 0;
}
catch (FunctionAppException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
