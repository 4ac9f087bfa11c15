using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>Per-CPU and global statistics messages (ctnetlink_ct_stat_cpu_fill_info, ctnetlink_stat_ct_fill_info).</summary>
internal static class StatsCodec
{
    public static void DecodeCpu(AttributeReader attrs, CtCpuStatistic cpu)
    {
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_STATS_FOUND: cpu.Found = attrs.U32; break;
                case Cta.CTA_STATS_INVALID: cpu.Invalid = attrs.U32; break;
                case Cta.CTA_STATS_INSERT: cpu.Insert = attrs.U32; break;
                case Cta.CTA_STATS_INSERT_FAILED: cpu.InsertFailed = attrs.U32; break;
                case Cta.CTA_STATS_DROP: cpu.Drop = attrs.U32; break;
                case Cta.CTA_STATS_EARLY_DROP: cpu.EarlyDrop = attrs.U32; break;
                case Cta.CTA_STATS_ERROR: cpu.Error = attrs.U32; break;
                case Cta.CTA_STATS_SEARCH_RESTART: cpu.SearchRestart = attrs.U32; break;
                case Cta.CTA_STATS_CLASH_RESOLVE: cpu.ClashResolve = attrs.U32; break;
                case Cta.CTA_STATS_CHAIN_TOOLONG: cpu.ChainTooLong = attrs.U32; break;
            }
        }
    }

    public static void DecodeExpectCpu(AttributeReader attrs, CtCpuStatistic cpu)
    {
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_STATS_EXP_NEW: cpu.ExpectationNew = attrs.U32; break;
                case Cta.CTA_STATS_EXP_CREATE: cpu.ExpectationCreate = attrs.U32; break;
                case Cta.CTA_STATS_EXP_DELETE: cpu.ExpectationDelete = attrs.U32; break;
            }
        }
    }

    public static void DecodeGlobal(AttributeReader attrs, CtStatistic stats)
    {
        while (attrs.MoveNext())
        {
            if (attrs.Type == Cta.CTA_STATS_GLOBAL_ENTRIES) stats.Count = attrs.U32;
            else if (attrs.Type == Cta.CTA_STATS_GLOBAL_MAX_ENTRIES) stats.Max = attrs.U32;
        }
    }

    public static void Sum(CtStatistic stats)
    {
        foreach (var c in stats.Cpus)
        {
            stats.Found += c.Found;
            stats.Invalid += c.Invalid;
            stats.Insert += c.Insert;
            stats.InsertFailed += c.InsertFailed;
            stats.Drop += c.Drop;
            stats.EarlyDrop += c.EarlyDrop;
            stats.Error += c.Error;
            stats.SearchRestart += c.SearchRestart;
            stats.ClashResolve += c.ClashResolve;
            stats.ChainTooLong += c.ChainTooLong;
            stats.ExpectationNew += c.ExpectationNew;
            stats.ExpectationCreate += c.ExpectationCreate;
            stats.ExpectationDelete += c.ExpectationDelete;
        }
    }
}
