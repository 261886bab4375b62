from django.urls import path

from kontor.sales import views

urlpatterns = [
    path("sales/", views.sales_home, name="sales-home"),
    path("sales/board/<uuid:pipeline_id>/", views.board, name="sales-board"),
    path("sales/board/<uuid:pipeline_id>/export/", views.board_export, name="sales-board-export"),
    path(
        "sales/board/<uuid:pipeline_id>/stages/<uuid:stage_id>/",
        views.board_column,
        name="sales-board-column",
    ),
    path("sales/forecast/<uuid:pipeline_id>/", views.forecast, name="sales-forecast"),
    path("sales/deals/new/", views.deal_create, name="deal-create"),
    path("sales/deals/<uuid:deal_id>/", views.deal_detail, name="deal-detail"),
    path("sales/deals/<uuid:deal_id>/edit/", views.deal_edit, name="deal-edit"),
    path("sales/deals/<uuid:deal_id>/delete/", views.deal_delete, name="deal-delete"),
    path("sales/deals/<uuid:deal_id>/move/", views.deal_move, name="deal-move"),
    path("sales/deals/<uuid:deal_id>/log/", views.deal_log, name="deal-log"),
    path("sales/deals/<uuid:deal_id>/files/", views.deal_upload, name="deal-upload"),
    path("sales/quotes/", views.quote_list, name="quote-list"),
    path("sales/quotes/new/", views.quote_create, name="quote-create"),
    path("sales/quotes/<uuid:quote_id>/", views.quote_detail, name="quote-detail"),
    path("sales/quotes/<uuid:quote_id>/edit/", views.quote_edit, name="quote-edit"),
    path("sales/quotes/<uuid:quote_id>/pdf/", views.quote_pdf_download, name="quote-pdf"),
    path("sales/quotes/<uuid:quote_id>/send/", views.quote_send, name="quote-send"),
    path("sales/quotes/<uuid:quote_id>/status/", views.quote_status, name="quote-status"),
    path("sales/orders/", views.order_list, name="order-list"),
    path("sales/orders/<uuid:order_id>/", views.order_detail, name="order-detail"),
    path("sales/invoices/", views.invoice_list, name="invoice-list"),
    path("sales/invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice-detail"),
    path("sales/products/", views.product_list, name="product-list"),
    path("sales/products/new/", views.product_form, name="product-create"),
    path("sales/products/<uuid:product_id>/", views.product_form, name="product-edit"),
]
