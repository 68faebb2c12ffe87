//! Mounts the playground, or the compact widget when opened as an embed (`?embed`).

fn main() {
    console_error_panic_hook::set_once();
    if annlab_app::components::embed::requested() {
        leptos::mount::mount_to_body(annlab_app::components::embed::EmbedApp);
    } else {
        leptos::mount::mount_to_body(annlab_app::app::App);
    }
}
