//! Fixed Indonesian demo vocabulary: places, plans, resellers, names and streets.

pub struct DemoLocation {
    pub name: &'static str,
    pub code: &'static str,
    pub city: &'static str,
    pub address: &'static str,
    pub timezone: &'static str,
}

pub const LOCATIONS: &[DemoLocation] = &[
    DemoLocation {
        name: "Jakarta Selatan",
        code: "JKS",
        city: "Jakarta Selatan",
        address: "Jl. RS Fatmawati No. 12, Cilandak, Jakarta Selatan",
        timezone: "Asia/Jakarta",
    },
    DemoLocation {
        name: "Bandung Dago",
        code: "BDG",
        city: "Bandung",
        address: "Jl. Ir. H. Juanda No. 45, Coblong, Bandung",
        timezone: "Asia/Jakarta",
    },
    DemoLocation {
        name: "Surabaya Darmo",
        code: "SBY",
        city: "Surabaya",
        address: "Jl. Raya Darmo No. 88, Wonokromo, Surabaya",
        timezone: "Asia/Jakarta",
    },
    DemoLocation {
        name: "Yogyakarta Kaliurang",
        code: "YGY",
        city: "Sleman",
        address: "Jl. Kaliurang Km 5,6, Caturtunggal, Sleman",
        timezone: "Asia/Jakarta",
    },
    DemoLocation {
        name: "Makassar Panakkukang",
        code: "MKS",
        city: "Makassar",
        address: "Jl. Boulevard No. 10, Panakkukang, Makassar",
        timezone: "Asia/Makassar",
    },
];

pub struct DemoProfile {
    pub name: &'static str,
    pub hotspot: bool,
    pub router_profile: &'static str,
    pub validity: &'static str,
    pub validity_seconds: i64,
    pub rate_limit: &'static str,
    pub shared_users: i32,
    /// whole rupiah
    pub cost: i64,
    pub sell: i64,
}

pub const PROFILES: &[DemoProfile] = &[
    DemoProfile {
        name: "Voucher 3 Jam",
        hotspot: true,
        router_profile: "hs-3jam",
        validity: "3h",
        validity_seconds: 3 * 3600,
        rate_limit: "2M/2M",
        shared_users: 1,
        cost: 2_500,
        sell: 3_000,
    },
    DemoProfile {
        name: "Voucher Harian",
        hotspot: true,
        router_profile: "hs-1hari",
        validity: "1d",
        validity_seconds: 86_400,
        rate_limit: "3M/3M",
        shared_users: 1,
        cost: 4_000,
        sell: 5_000,
    },
    DemoProfile {
        name: "Voucher Mingguan",
        hotspot: true,
        router_profile: "hs-7hari",
        validity: "7d",
        validity_seconds: 7 * 86_400,
        rate_limit: "5M/5M",
        shared_users: 2,
        cost: 17_000,
        sell: 20_000,
    },
    DemoProfile {
        name: "Voucher Bulanan",
        hotspot: true,
        router_profile: "hs-30hari",
        validity: "30d",
        validity_seconds: 30 * 86_400,
        rate_limit: "5M/5M",
        shared_users: 2,
        cost: 42_000,
        sell: 50_000,
    },
    DemoProfile {
        name: "Rumahan 10 Mbps",
        hotspot: false,
        router_profile: "ppp-10m",
        validity: "30d",
        validity_seconds: 30 * 86_400,
        rate_limit: "10M/10M",
        shared_users: 1,
        cost: 100_000,
        sell: 150_000,
    },
    DemoProfile {
        name: "Rumahan 20 Mbps",
        hotspot: false,
        router_profile: "ppp-20m",
        validity: "30d",
        validity_seconds: 30 * 86_400,
        rate_limit: "20M/20M",
        shared_users: 1,
        cost: 140_000,
        sell: 200_000,
    },
    DemoProfile {
        name: "Bisnis 50 Mbps",
        hotspot: false,
        router_profile: "ppp-50m",
        validity: "30d",
        validity_seconds: 30 * 86_400,
        rate_limit: "50M/50M",
        shared_users: 1,
        cost: 250_000,
        sell: 350_000,
    },
];

pub struct DemoVendor {
    pub name: &'static str,
    pub contact: &'static str,
    pub phone: &'static str,
    pub discount_percent: i64,
}

pub const VENDORS: &[DemoVendor] = &[
    DemoVendor {
        name: "Konter Pulsa Berkah",
        contact: "Pak Slamet",
        phone: "6281311120001",
        discount_percent: 10,
    },
    DemoVendor {
        name: "Warung Bu Siti",
        contact: "Siti Aminah",
        phone: "6285712340002",
        discount_percent: 8,
    },
    DemoVendor {
        name: "Toko Sinar Jaya",
        contact: "Hendra Wijaya",
        phone: "6287812340003",
        discount_percent: 12,
    },
    DemoVendor {
        name: "Cellular Mandiri",
        contact: "Dedi Kurniawan",
        phone: "6289612340004",
        discount_percent: 10,
    },
    DemoVendor {
        name: "Agen Voucher Barokah",
        contact: "Rina Marlina",
        phone: "6282112340005",
        discount_percent: 15,
    },
];

pub const FIRST_NAMES: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Andi", "Rina", "Joko", "Sri", "Eko", "Wati", "Hendra", "Yuni",
    "Dedi", "Fitri", "Rudi", "Lestari", "Bambang", "Ratna", "Agung", "Indah", "Wahyu", "Nur",
    "Fajar", "Putri", "Rizki", "Ayu", "Dimas", "Maya", "Yoga", "Intan", "Arif", "Sari", "Teguh",
    "Novi", "Hadi", "Dian", "Irfan", "Kartika", "Bayu", "Mega", "Gilang", "Anisa", "Hasan",
    "Nurul", "Reza", "Lina", "Taufik", "Wulan", "Ilham", "Desi",
];

pub const LAST_NAMES: &[&str] = &[
    "Santoso",
    "Rahmawati",
    "Setiawan",
    "Lestari",
    "Saputra",
    "Wijaya",
    "Hidayat",
    "Kurniawan",
    "Susanto",
    "Pratama",
    "Nugroho",
    "Handayani",
    "Purnomo",
    "Wibowo",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Harahap",
    "Gunawan",
    "Permana",
    "Hakim",
    "Ramadhan",
    "Sulistyo",
    "Maharani",
    "Utami",
    "Firmansyah",
    "Syahputra",
    "Kusuma",
    "Hartono",
    "Suryadi",
    "Fauzi",
    "Anggraini",
    "Sembiring",
    "Tanjung",
    "Daulay",
    "Pangaribuan",
];

pub const STREETS: &[&str] = &[
    "Jl. Melati",
    "Jl. Mawar",
    "Jl. Kenanga",
    "Jl. Anggrek",
    "Jl. Flamboyan",
    "Jl. Cempaka",
    "Jl. Merpati",
    "Jl. Diponegoro",
    "Jl. Sudirman",
    "Jl. Gatot Subroto",
    "Jl. Ahmad Yani",
    "Jl. Pahlawan",
    "Jl. Veteran",
    "Jl. Kartini",
    "Jl. Pemuda",
    "Jl. Cendrawasih",
    "Jl. Kebon Jeruk",
    "Jl. Manggis",
    "Gg. Rambutan",
    "Gg. Sawo",
];

/// Indonesian mobile prefixes after the 62 country code (Telkomsel, Indosat, XL, Tri, Smartfren).
pub const PHONE_PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "852", "853", "814", "815", "816", "855", "856", "857",
    "858", "817", "818", "819", "859", "877", "878", "895", "896", "897", "898", "899", "881",
    "882", "883",
];

/// Unambiguous uppercase letters and digits (no 0/O, 1/I), as in the seed settings.
pub const VOUCHER_CHARSET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const VOUCHER_CODE_LENGTH: usize = 8;
