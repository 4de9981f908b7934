using Blueshift.Functions.Azure.AppService;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

public sealed class SiteIdTests
{
    private const string Production = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141";

    [Fact]
    public void Parse_SiteId_ReadsEverySegment()
    {
        var id = SiteId.Parse(Production);

        Assert.Equal(("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "testrg123", "sitef6141"), (id.SubscriptionId, id.ResourceGroupName, id.SiteName));
        Assert.True(id.IsProduction);
        Assert.Null(id.SlotName);
        Assert.Equal("production", id.SlotNameOrProduction);
        Assert.Equal(Production, id.ToString());
    }

    [Fact]
    public void Parse_SlotIdInOtherCase_EqualsTheCanonicalSlotId()
    {
        var id = SiteId.Parse("SUBSCRIPTIONS/34ADFA4F-CEDF-4DC0-BA29-B6D1A69AB345/resourcegroups/TESTRG123/providers/microsoft.web/SITES/SiteF6141/Slots/Staging/");

        Assert.Equal("Staging", id.SlotName);
        Assert.False(id.IsProduction);
        Assert.Equal(SiteId.Parse(Production).WithSlot("staging"), id);
        Assert.Equal(SiteId.Parse(Production).WithSlot("staging").GetHashCode(), id.GetHashCode());
        Assert.True(id.Production == SiteId.Parse(Production));
        Assert.Equal("/subscriptions/34ADFA4F-CEDF-4DC0-BA29-B6D1A69AB345/resourceGroups/TESTRG123/providers/Microsoft.Web/sites/SiteF6141/slots/Staging", id.ToString());
    }

    [Fact]
    public void WithSlot_Production_IsTheAppItself()
    {
        var staging = SiteId.Parse(Production + "/slots/staging");

        Assert.Equal(SiteId.Parse(Production), staging.WithSlot("Production"));
        Assert.Equal(SiteId.Parse(Production), SiteId.Parse(Production + "/slots/production"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/serverfarms/plan")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/sites/x")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x/config/web")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x/slots")]
    [InlineData("/subscriptions//resourceGroups/rg/providers/Microsoft.Web/sites/x")]
    public void Parse_NotASiteOrSlot_ThrowsFormatExceptionWithTheExpectedShape(string resourceId)
    {
        var error = Assert.Throws<FormatException>(() => SiteId.Parse(resourceId));

        Assert.Contains("/providers/Microsoft.Web/sites/{name}", error.Message);
        Assert.False(SiteId.TryParse(resourceId, out _));
    }

    [Fact]
    public void Constructor_SegmentWithSlash_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SiteId("s", "rg", "a/b"));
    }

    [Fact]
    public void ToString_AnyValidId_RoundTripsThroughParse()
    {
        var generator =
            from sub in Gen.Elements("s1", "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345", "SUB")
            from rg in Gen.Elements("rg", "Test-RG_1", "a.b")
            from site in Gen.Elements("shop", "Shop-01")
            from slot in Gen.Elements<string?>(null, "staging", "Blue", "production")
            select new SiteId(sub, rg, site, slot);

        Prop.ForAll(Arb.From(generator), id => SiteId.Parse(id.ToString()) == id && SiteId.Parse(id.ToString().ToUpperInvariant()) == id)
            .QuickCheckThrowOnFailure();
    }
}
