using System.Text;
using Azure;
using Blueshift.Storage.Queues;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Storage.Tests.Queues;

public sealed class QueueClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private async Task<QueueClient> NewQueueAsync(QueueMessageEncoding encoding = QueueMessageEncoding.None)
    {
        var queue = new QueueClient(azurite.ConnectionString, AzuriteFixture.UniqueName("q"), new QueueClientOptions { MessageEncoding = encoding });
        Assert.True(await queue.CreateIfNotExistsAsync());
        return queue;
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_QueueExists_ReturnsFalseAndDeleteReportsExistence()
    {
        var queue = await NewQueueAsync();

        Assert.False(await queue.CreateIfNotExistsAsync());
        Assert.True(await queue.DeleteAsync());
        Assert.False(await queue.DeleteAsync());
    }

    [Fact]
    public async Task ReceiveMessagesAsync_AfterSend_ReturnsTextWithLeaseDetailsAndHidesIt()
    {
        var queue = await NewQueueAsync();
        const string text = "<release id=\"r1\"> & 'quotes' é";
        var sent = await queue.SendMessageAsync(text);

        var received = Assert.Single(await queue.ReceiveMessagesAsync(10, Lease));

        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(text, received.MessageText);
        Assert.Equal(1, received.DequeueCount);
        Assert.False(received.DecodingFailed);
        Assert.False(string.IsNullOrEmpty(received.PopReceipt));
        Assert.True(received.NextVisibleOn > received.InsertedOn);
        Assert.True(received.ExpiresOn > received.InsertedOn);
        Assert.Empty(await queue.ReceiveMessagesAsync(10, Lease));
    }

    [Fact]
    public async Task UpdateMessageAsync_ZeroVisibility_ReleasesMessageWithHigherDequeueCount()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("work");
        var first = Assert.Single(await queue.ReceiveMessagesAsync(1, Lease));
        Assert.Empty(await queue.ReceiveMessagesAsync(1, Lease));

        var update = await queue.UpdateMessageAsync(first.MessageId, first.PopReceipt, TimeSpan.Zero);

        Assert.NotEqual(first.PopReceipt, update.PopReceipt);
        var second = Assert.Single(await queue.ReceiveMessagesAsync(1, Lease));
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.Equal("work", second.MessageText);
    }

    [Fact]
    public async Task UpdateMessageAsync_NewText_ReplacesTextAndOldPopReceiptStopsWorking()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("v1");
        var received = Assert.Single(await queue.ReceiveMessagesAsync(1, Lease));

        var update = await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero, "v2");

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));
        Assert.Equal(400, ex.Status);
        Assert.Equal("PopReceiptMismatch", ex.ErrorCode);
        Assert.Equal("v2", Assert.Single(await queue.PeekMessagesAsync()).MessageText);
        await queue.DeleteMessageAsync(received.MessageId, update.PopReceipt);
        Assert.Empty(await queue.PeekMessagesAsync());
    }

    [Fact]
    public async Task DeleteMessageAsync_CurrentPopReceipt_RemovesMessage()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("a");
        await queue.SendMessageAsync("b");
        var received = await queue.ReceiveMessagesAsync(32, Lease);
        Assert.Equal(2, received.Count);

        foreach (var message in received)
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        Assert.Equal(0, (await queue.GetPropertiesAsync()).ApproximateMessagesCount);
    }

    [Fact]
    public async Task SendMessageAsync_VisibilityTimeout_KeepsMessageHiddenUntilThen()
    {
        var queue = await NewQueueAsync();

        var sent = await queue.SendMessageAsync("later", visibilityTimeout: TimeSpan.FromMinutes(10), timeToLive: TimeSpan.FromHours(1));

        Assert.Empty(await queue.ReceiveMessagesAsync(1, Lease));
        Assert.Equal(1, (await queue.GetPropertiesAsync()).ApproximateMessagesCount);
        Assert.True(sent.NextVisibleOn >= sent.InsertedOn.AddMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.True(sent.ExpiresOn <= sent.InsertedOn.AddHours(1) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task PeekMessagesAsync_VisibleMessages_LeavesThemVisibleWithoutCountingDequeues()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("one");
        await queue.SendMessageAsync("two");

        var peeked = await queue.PeekMessagesAsync(32);

        Assert.Equal(["one", "two"], peeked.Select(m => m.MessageText));
        Assert.All(peeked, m => Assert.Equal(0, m.DequeueCount));
        Assert.Equal(2, (await queue.ReceiveMessagesAsync(32, Lease)).Count);
        Assert.Equal(2, (await queue.GetPropertiesAsync()).ApproximateMessagesCount);
    }

    [Fact]
    public async Task SendMessageAsync_Base64Encoding_StoresBase64AndDecodesOnReceive()
    {
        var base64 = await NewQueueAsync(QueueMessageEncoding.Base64);
        var raw = new QueueClient(azurite.ConnectionString, base64.Name);
        const string text = "{\"releaseId\":\"r-42\",\"note\":\"ünïcode <&>\"}";

        await base64.SendMessageAsync(text);

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), Assert.Single(await raw.PeekMessagesAsync()).MessageText);
        var received = Assert.Single(await base64.ReceiveMessagesAsync(1, Lease));
        Assert.Equal(text, received.MessageText);
        Assert.False(received.DecodingFailed);
    }

    [Fact]
    public async Task ReceiveMessagesAsync_Base64QueueHoldsPlainText_FlagsDecodingFailure()
    {
        var base64 = await NewQueueAsync(QueueMessageEncoding.Base64);
        var raw = new QueueClient(azurite.ConnectionString, base64.Name);
        await raw.SendMessageAsync("not base64!");

        var received = Assert.Single(await base64.ReceiveMessagesAsync(1, Lease));

        Assert.True(received.DecodingFailed);
        Assert.Equal("not base64!", received.MessageText);
    }

    [Fact]
    public async Task SendMessageAsync_TextXmlCannotCarry_ThrowsArgumentExceptionSuggestingBase64()
    {
        var queue = await NewQueueAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendMessageAsync("bell \u0007"));

        Assert.Contains("Base64", ex.Message);
    }

    [Fact]
    public async Task GetPropertiesAsync_QueueMissing_Throws404()
    {
        var queue = new QueueClient(azurite.ConnectionString, AzuriteFixture.UniqueName("q"));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => queue.GetPropertiesAsync());

        Assert.Equal(404, ex.Status);
        Assert.Equal("QueueNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_WrongAccountKey_ThrowsClearCredentialError()
    {
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not the development account key, but valid base64"));
        var queue = new QueueClient(azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal), AzuriteFixture.UniqueName("q"));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => queue.CreateIfNotExistsAsync());

        Assert.Equal(403, ex.Status);
        Assert.Equal("AuthenticationFailed", ex.ErrorCode);
        Assert.Contains("did not accept the credential", ex.Message);
        Assert.DoesNotContain(wrongKey, ex.Message);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("double--hyphen")]
    [InlineData("-leading")]
    public void Constructor_InvalidQueueName_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => new QueueClient(azurite.ConnectionString, name));
    }
}
