var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/api/health/live", () => Results.Ok(new { status = "Healthy" }));
app.Run();
