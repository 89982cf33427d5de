using System.Buffers.Text;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>A page of a list: the items and the opaque cursor of the next page (null on the last one).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>?limit=&amp;cursor= on every list. Keyset paging over ids, which are UUIDv7 and so follow creation order.</summary>
public sealed record PageRequest(int? Limit, string? Cursor)
{
    public Guid? After()
    {
        if (string.IsNullOrEmpty(Cursor))
            return null;
        Span<byte> bytes = stackalloc byte[16];
        if (Base64Url.IsValid(Cursor) && Base64Url.TryDecodeFromChars(Cursor, bytes, out var written) && written == 16)
            return new Guid(bytes, bigEndian: true);
        throw ProblemException.Invalid("cursor", "cursor", "The cursor is not one this API gave out.");
    }

    public static string CursorFor(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }
}

/// <summary>Page sizes are capped (OWASP API4): a caller cannot ask for the whole table at once.</summary>
public sealed class PagingOptions : ISettings
{
    public int DefaultPageSize { get; set; } = 50;
    public int MaxPageSize { get; set; } = 500;

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(DefaultPageSize), DefaultPageSize, 1);
        check.AtLeast(nameof(MaxPageSize), MaxPageSize, Math.Max(1, DefaultPageSize));
    }
}

public static class PagingExtensions
{
    /// <summary>One page: the rows after the cursor in id order, reading one extra row to know whether more follow.</summary>
    public static async Task<Page<TView>> ToPageAsync<TRow, TView>(this IQueryable<TRow> rows, PageRequest page,
        PagingOptions options, Func<TRow, TView> view, CancellationToken ct, bool newestFirst = false)
        where TRow : class, IEntity
    {
        if (page.Limit is < 1)
            throw ProblemException.Invalid("limit", "greater-than-zero", "'limit' must be at least 1.");
        var limit = Math.Min(page.Limit ?? options.DefaultPageSize, options.MaxPageSize);
        if (page.After() is { } after)
            rows = newestFirst ? rows.Where(row => row.Id < after) : rows.Where(row => row.Id > after);
        rows = newestFirst ? rows.OrderByDescending(row => row.Id) : rows.OrderBy(row => row.Id);
        var list = await rows.Take(limit + 1).ToListAsync(ct);
        var next = list.Count > limit ? PageRequest.CursorFor(list[limit - 1].Id) : null;
        return new Page<TView>(list.Take(limit).Select(view).ToList(), next);
    }
}

internal static class PagingSetup
{
    public static IServiceCollection AddPaging(this IServiceCollection services)
    {
        services.AddSettings<PagingOptions>("Paging");
        return services;
    }
}
