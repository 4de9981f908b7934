namespace Blueshift.AppServiceEmulator;

/// <summary>
/// Swap semantics as App Service documents them: content and non-sticky app settings move between the slots, sticky
/// (slot-specific) settings stay with their slot. Callers hold the site's gate, so requests see one side or the other,
/// never a half-swapped slot.
/// </summary>
internal static class SlotSwap
{
    public static void Exchange(EmulatedSlot source, EmulatedSlot target)
    {
        var sticky = new HashSet<string>(source.Site.StickyAppSettings, StringComparer.Ordinal);
        RestoreAppliedSettings(source);
        RestoreAppliedSettings(target);

        (source.Content, target.Content) = (target.Content, source.Content);

        var sourceSettings = source.Settings;
        var targetSettings = target.Settings;
        source.Settings = Merge(sourceSettings, targetSettings, sticky);
        target.Settings = Merge(targetSettings, sourceSettings, sticky);
    }

    /// <summary>The first phase of a swap with preview: the slot takes the target's sticky settings until reset or swapped.</summary>
    public static void ApplyStickySettings(EmulatedSlot slot, EmulatedSlot target)
    {
        slot.SettingsBeforeApply ??= new Dictionary<string, string>(slot.Settings, StringComparer.Ordinal);
        var applied = new Dictionary<string, string>(slot.Settings, StringComparer.Ordinal);
        foreach (var name in slot.Site.StickyAppSettings)
        {
            if (target.Settings.TryGetValue(name, out var value))
            {
                applied[name] = value;
            }
            else
            {
                applied.Remove(name);
            }
        }
        slot.Settings = applied;
    }

    private static void RestoreAppliedSettings(EmulatedSlot slot)
    {
        if (slot.SettingsBeforeApply is { } original)
        {
            slot.Settings = original;
            slot.SettingsBeforeApply = null;
        }
    }

    /// <summary>The slot's own sticky settings plus the other slot's non-sticky ones.</summary>
    private static Dictionary<string, string> Merge(Dictionary<string, string> own, Dictionary<string, string> other, HashSet<string> sticky)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in own.Where(s => sticky.Contains(s.Key)))
        {
            merged[name] = value;
        }
        foreach (var (name, value) in other.Where(s => !sticky.Contains(s.Key)))
        {
            merged[name] = value;
        }
        return merged;
    }
}
