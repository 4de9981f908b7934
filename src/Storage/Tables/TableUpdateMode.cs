namespace Blueshift.Storage.Tables;

/// <summary>How an update or upsert treats properties the request does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep the stored properties the entity does not mention (HTTP MERGE semantics).</summary>
    Merge,

    /// <summary>Replace the stored entity entirely: properties the entity does not mention are removed.</summary>
    Replace,
}
