using Blueshift.Functions.Audit;
using Xunit;

namespace Blueshift.Functions.Tests.Audit;

public sealed class AuditWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    [Fact]
    public void Window_NoBounds_IsTheLast24Hours()
    {
        var window = AuditEndpoints.Window(null, null, null, Now, MaxRange, out var errors);

        Assert.Empty(errors);
        Assert.Equal((Now.AddHours(-24), Now), window);
    }

    [Fact]
    public void Window_WithOffsetsAndDates_IsUtc()
    {
        var window = AuditEndpoints.Window("shop-web", "2026-01-01", "2026-01-02T10:00:00+02:00", Now, MaxRange, out _);

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), window!.Value.From);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 8, 0, 0, TimeSpan.Zero), window.Value.To);
    }

    [Fact]
    public void Window_ToNearTheFirstInstant_StartsTheDefaultWindowThere()
    {
        var window = AuditEndpoints.Window(null, null, "0001-01-01T01:00:00Z", Now, MaxRange, out var errors);

        Assert.Empty(errors);
        Assert.Equal((DateTimeOffset.MinValue, DateTimeOffset.MinValue.AddHours(1)), window);
    }

    [Theory]
    [InlineData(null, "2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z", "from")]
    [InlineData(null, "2025-01-01T00:00:00Z", "2026-01-05T00:00:00Z", "to")]
    [InlineData(null, "yesterday", null, "from")]
    [InlineData(null, "Jan 5 2026", null, "from")]
    [InlineData("Shop Web", null, null, "app")]
    public void Window_Invalid_NamesTheField(string? app, string? from, string? to, string field)
    {
        var window = AuditEndpoints.Window(app, from, to, Now, MaxRange, out var errors);

        Assert.Null(window);
        Assert.Contains(field, errors.Keys);
    }
}
